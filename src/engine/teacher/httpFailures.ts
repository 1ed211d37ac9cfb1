/**
 * How the HTTP teacher turns HTTP statuses, bodies and fetch errors into failure kinds and
 * plain-words messages (with server-specific CORS advice), plus Retry-After parsing.
 */
import type { TeacherFailureKind } from '../../contract/teacher';

/** Failure kinds worth another attempt. */
export const RETRYABLE_KINDS: ReadonlySet<TeacherFailureKind> = new Set<TeacherFailureKind>([
  'server_error',
  'rate_limited',
  'timeout',
  'network',
]);

/** A classified failure, before latency is known. */
export interface Classified {
  failure: TeacherFailureKind;
  message: string;
}

/** Shortens server text for a message. */
export function clip(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max)}…`;
}

/** The human-readable error text inside an error body (OpenAI, Ollama, vLLM shapes), or the body. */
export function errorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') {
      const rec = parsed as Record<string, unknown>;
      const err = rec.error;
      if (typeof err === 'string') return err;
      if (err && typeof err === 'object') {
        const msg = (err as Record<string, unknown>).message;
        if (typeof msg === 'string') return msg;
      }
      if (typeof rec.message === 'string') return rec.message;
      if (typeof rec.detail === 'string') return rec.detail;
    }
  } catch {
    // not JSON: use the text as it is
  }
  return body;
}

/** Whether an error body says the model does not exist (OpenAI, Ollama, vLLM, llama.cpp). */
export function isModelNotFound(body: string): boolean {
  if (/model_not_found/i.test(body)) return true;
  const text = errorText(body);
  return /\bmodel\b[^\n]{0,200}?\b(not found|does not exist|not exist|unknown|not available)/i.test(
    text,
  );
}

/** Milliseconds to wait from a Retry-After header (seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** Classifies a non-2xx response. */
export function classifyStatus(
  status: number,
  statusText: string,
  body: string,
  ctx: { url: string; model: string; hasKey: boolean },
): Classified {
  const detail = clip(errorText(body));
  const said = detail ? `: ${detail}` : '';
  const head = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 401 || status === 403) {
    const advice = ctx.hasKey
      ? 'the server rejected the API key; check the key in the teacher settings'
      : 'the server needs an API key; set one in the teacher settings';
    return { failure: 'auth', message: `${head}: ${advice}${said}` };
  }
  if ((status === 404 || status === 400) && isModelNotFound(body)) {
    return {
      failure: 'unknown_model',
      message: `the server does not know the model "${ctx.model}" (${head}${said}). Check the model name; for Ollama run \`ollama pull ${ctx.model}\` first`,
    };
  }
  if (status === 404) {
    return {
      failure: 'bad_request',
      message: `${head} at ${ctx.url}: check the base URL (for OpenAI-compatible servers it usually ends in /v1)${said}`,
    };
  }
  if (status === 408)
    return { failure: 'timeout', message: `${head}: the server timed out${said}` };
  if (status === 429) {
    return {
      failure: 'rate_limited',
      message: `${head}: the server is rate limiting requests${said}`,
    };
  }
  if (status >= 500)
    return { failure: 'server_error', message: `${head}: the server failed${said}` };
  return { failure: 'bad_request', message: `${head}: the server refused the request${said}` };
}

/** The lab's origin when running in a browser page or worker; null in Node. */
export function browserOrigin(): string | null {
  const g = globalThis as {
    window?: unknown;
    WorkerGlobalScope?: unknown;
    location?: { origin?: string };
  };
  if (g.window === undefined && g.WorkerGlobalScope === undefined) return null;
  const origin = g.location?.origin;
  return typeof origin === 'string' && origin !== 'null' ? origin : null;
}

/** Whether a fetch to `url` from this context is cross-origin in a browser. */
export function isCrossOriginBrowser(url: string): boolean {
  const origin = browserOrigin();
  if (origin === null) return false;
  try {
    return new URL(url).origin !== origin;
  } catch {
    return false;
  }
}

/** Server-by-server advice for allowing the lab's origin. */
export function corsAdvice(labOrigin: string): string {
  return [
    `If the server is running, it must allow cross-origin requests from ${labOrigin}:`,
    `Ollama: set the OLLAMA_ORIGINS environment variable (e.g. OLLAMA_ORIGINS="${labOrigin}" or "*") and restart \`ollama serve\`;`,
    'llama.cpp server: it sends CORS headers by default, so check --host/--port and that the URL includes /v1;',
    `vLLM: start it with --allowed-origins '["*"]';`,
    'LM Studio: enable CORS in the server settings.',
  ].join(' ');
}

/** The message for a fetch that failed before any response (TypeError "Failed to fetch"). */
export function networkMessage(url: string, cause: string, reachableButBlocked: boolean): string {
  let target = url;
  try {
    target = new URL(url).origin;
  } catch {
    // keep the URL as given
  }
  const origin = browserOrigin();
  if (origin === null || !isCrossOriginBrowser(url)) {
    return `could not reach ${target} (${cause}); is the server running, and are the host and port right?`;
  }
  const mixed =
    origin.startsWith('https:') &&
    target.startsWith('http:') &&
    !/\/\/(localhost|127\.|\[::1\])/.test(target)
      ? ' The lab is served over https and the server over http: the browser blocks such mixed content; serve the lab over http or the server over https.'
      : '';
  const lead = reachableButBlocked
    ? `the browser blocked the reply from ${target}: the server answered but does not allow this origin (CORS).`
    : `could not reach ${target} (${cause}): the server may be down, or the browser may have blocked the request (CORS).`;
  return `${lead}${mixed} ${corsAdvice(origin)}`;
}
