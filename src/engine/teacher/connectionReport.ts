/** The plain-words report of the HTTP teacher's `testConnection()`. */
import type { ConnectionReport } from '../../contract/teacher';
import type { TeacherResult } from './types';

/** What the report needs to know about the teacher. */
export interface ConnectionContext {
  baseURL: string;
  model: string;
  hasKey: boolean;
  timeoutMs: number;
  /** Lists the server's models (GET /models), or null. */
  listModels: () => Promise<string[] | null>;
  /** Scrubs the API key from text. */
  redact: (text: string) => string;
}

/** Turns a test call's result into the plain-words report. */
export async function describeConnection(
  result: TeacherResult,
  ctx: ConnectionContext,
): Promise<ConnectionReport> {
  const where = ctx.baseURL;
  const model = ctx.model;
  const report: ConnectionReport = {
    ok: result.ok,
    reachable: true,
    authOk: true,
    modelKnown: true,
    formatOk: true,
    logprobs: result.ok && result.logprobs !== undefined,
    latencyMs: result.latencyMs,
    lines: [],
    summary: '',
  };
  const lines = report.lines;
  if (result.ok) {
    lines.push(`Reached the server at ${where}.`);
    lines.push(ctx.hasKey ? 'The API key was accepted.' : 'No API key was needed.');
    lines.push(`The model "${model}" answered in ${result.latencyMs} ms.`);
    lines.push('The reply followed the <opinion>/<reason>/<phrase> tag format.');
    lines.push(
      report.logprobs
        ? 'The server returned token log-probabilities.'
        : 'The server did not return token log-probabilities (guidance still works).',
    );
  } else {
    report.failure = result.failure;
    switch (result.failure) {
      case 'network':
      case 'cors':
        Object.assign(report, {
          reachable: false,
          authOk: null,
          modelKnown: null,
          formatOk: null,
        });
        lines.push(`Could not get a reply from ${where}.`);
        break;
      case 'timeout':
        Object.assign(report, {
          reachable: null,
          authOk: null,
          modelKnown: null,
          formatOk: null,
        });
        lines.push(`No reply from ${where} within ${ctx.timeoutMs} ms.`);
        break;
      case 'auth':
        Object.assign(report, { authOk: false, modelKnown: null, formatOk: null });
        lines.push(`Reached the server at ${where}, but it refused the credentials.`);
        break;
      case 'unknown_model': {
        Object.assign(report, { modelKnown: false, formatOk: null });
        lines.push(`Reached the server at ${where}, but it does not know the model "${model}".`);
        const models = await ctx.listModels();
        if (models && models.length > 0) {
          report.availableModels = models;
          lines.push(`Models it offers: ${models.slice(0, 20).join(', ')}.`);
        }
        break;
      }
      case 'format':
      case 'bad_json':
      case 'oversized':
        report.formatOk = false;
        lines.push(`Reached the server at ${where} and the model "${model}" answered,`);
        lines.push(
          'but the reply cannot be used as guidance. Try an instruction-tuned model, a larger max tokens, or edit the prompt.',
        );
        break;
      case 'cancelled':
        Object.assign(report, {
          reachable: null,
          authOk: null,
          modelKnown: null,
          formatOk: null,
        });
        lines.push('The connection test was cancelled.');
        break;
      default:
        Object.assign(report, { authOk: null, modelKnown: null, formatOk: null });
        lines.push(`Reached the server at ${where}, but the request failed.`);
    }
    lines.push(`Details: ${result.message}`);
  }
  report.summary = ctx.redact(lines.join(' '));
  report.lines = lines.map((l) => ctx.redact(l));
  return report;
}
