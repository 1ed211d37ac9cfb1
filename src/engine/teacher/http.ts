/**
 * The HTTP teacher: any OpenAI-compatible chat-completions server (Ollama, llama.cpp server,
 * vLLM, LM Studio, hosted APIs). Per-attempt timeout, retries with exponential backoff and
 * jitter, Retry-After on 429/503, a concurrency limit shared by all calls, cancellation (per
 * request and `cancelAll()`), a cap on reply size, failures classified in plain words. The API
 * key is only ever sent in the Authorization header, to the configured origin (redirects are
 * not followed): it is never logged and is scrubbed from every message.
 */
import { describeConnection } from './connectionReport';
import type { ConnectionReport } from '../../contract/teacher';
import { readCompletion, readTextCapped } from './httpBody';
import {
  RETRYABLE_KINDS,
  classifyStatus,
  clip,
  errorText,
  isCrossOriginBrowser,
  networkMessage,
  parseRetryAfter,
} from './httpFailures';
import type { Classified } from './httpFailures';
import { redactText, secretValues } from '../../contract/redact';
import { parseGuidance } from './parse';
import { mulberry32, type Rng } from '../random';
import { buildMessages } from './prompt';
import { defaultPromptConfig } from '../../contract/teacherPrompt';
import type { ChatMessage } from './prompt';
import type { TeacherPromptConfig } from '../../contract/teacherPrompt';
import { AbortedError, Semaphore, sleep } from './semaphore';
import { TeacherStats } from './stats';
import type {
  Teacher,
  TeacherFailure,
  TeacherRequest,
  TeacherResult,
  TeacherSuccess,
  TokenLogprob,
} from './types';
import type { Guidance } from '../../contract/teacher';

/** Settings of an HTTP teacher. Only `baseURL` and `model` are required. */
export interface HttpTeacherOptions {
  /** Server base URL including the API prefix, e.g. "http://127.0.0.1:11434/v1". */
  baseURL: string;
  /** Model name as the server knows it. */
  model: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  apiKey?: string;
  /** Sampling temperature (default 0: greedy, as in the reference). */
  temperature?: number;
  /** Reply budget in tokens (default 1024). */
  maxTokens?: number;
  /** Time limit of one attempt, body included (default 60 000 ms). */
  timeoutMs?: number;
  /** Extra attempts after a retryable failure (default 2). */
  retries?: number;
  /** First backoff delay; doubles per retry, with jitter (default 500 ms). */
  backoffBaseMs?: number;
  /** Upper bound of one backoff delay (default 8 000 ms). */
  maxBackoffMs?: number;
  /** Upper bound of a wait asked by Retry-After (default 10 000 ms). */
  maxRetryAfterMs?: number;
  /** Requests in flight at once, across all calls of this teacher (default 4). */
  concurrency?: number;
  /** Largest reply body accepted, in bytes (default 1 MiB). */
  maxReplyBytes?: number;
  /** Ask for token log-probabilities (default true; dropped if the server refuses them). */
  logprobs?: boolean;
  /** Alternatives per token to ask for with the log-probs (default: not asked). */
  topLogprobs?: number;
  /** System prompt, few-shots and catchphrase (default: `defaultPromptConfig()`). */
  prompt?: TeacherPromptConfig;
  /** Random source for backoff jitter, in [0, 1) (default: seeded from `seed`). */
  rng?: Rng;
  /** Seed of the default jitter source (default 1). */
  seed?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Display name (default "http:<model>@<host>"). */
  name?: string;
}

/** Settings with defaults applied. */
type Resolved = Required<Omit<HttpTeacherOptions, 'apiKey' | 'topLogprobs' | 'rng' | 'name'>> &
  Pick<HttpTeacherOptions, 'apiKey' | 'topLogprobs'>;

/** The outcome of one attempt. */
type Attempt =
  | { ok: true; guidance: Guidance; raw: string; logprobs?: TokenLogprob[] }
  | (Classified & { ok: false; retryAfterMs?: number; dropLogprobs?: boolean });

const KEY_MASK = '***';

/** A teacher backed by an OpenAI-compatible `/chat/completions` endpoint. */
export class HttpTeacher implements Teacher {
  readonly name: string;
  readonly stats = new TeacherStats();
  private readonly opts: Resolved;
  private readonly rng: Rng;
  private readonly fetchImpl: typeof fetch;
  private readonly semaphore: Semaphore;
  private readonly inFlight = new Set<AbortController>();
  private logprobsRefused = false;
  /** Secrets inside the base URL (user:password, ?api_key=…), scrubbed like the key. */
  private readonly urlSecrets: string[];

  constructor(options: HttpTeacherOptions) {
    this.opts = {
      baseURL: options.baseURL.trim().replace(/\/+$/, ''),
      model: options.model,
      apiKey: options.apiKey ? options.apiKey : undefined,
      temperature: options.temperature ?? 0,
      maxTokens: options.maxTokens ?? 1024,
      timeoutMs: options.timeoutMs ?? 60_000,
      retries: Math.max(0, options.retries ?? 2),
      backoffBaseMs: options.backoffBaseMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 8_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 10_000,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 4)),
      maxReplyBytes: options.maxReplyBytes ?? 1024 * 1024,
      logprobs: options.logprobs ?? true,
      topLogprobs: options.topLogprobs,
      prompt: options.prompt ?? defaultPromptConfig(),
      seed: options.seed ?? 1,
      fetch: options.fetch ?? ((...args) => globalThis.fetch(...args)),
    };
    this.urlSecrets = secretValues(this.opts.baseURL);
    this.rng = options.rng ?? mulberry32(this.opts.seed);
    this.fetchImpl = this.opts.fetch;
    this.semaphore = new Semaphore(this.opts.concurrency);
    let host = this.opts.baseURL;
    try {
      host = new URL(this.opts.baseURL).host;
    } catch {
      // an invalid URL is reported by guide()
    }
    this.name = options.name ?? `http:${this.opts.model}@${host}`;
  }

  /** The chat-completions endpoint (the path goes before a query string in the base URL). */
  get endpoint(): string {
    return apiUrl(this.opts.baseURL, 'chat/completions');
  }

  /** Requests now in flight or waiting for a slot. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Aborts every call in flight or waiting; each resolves as a `cancelled` failure. */
  cancelAll(): void {
    for (const controller of [...this.inFlight]) controller.abort();
  }

  async guide(req: TeacherRequest): Promise<TeacherResult> {
    const result = await this.run(req, this.opts.retries);
    this.stats.record(result);
    return result;
  }

  /** Sends one small request and reports in plain words what works and what does not. */
  async testConnection(signal?: AbortSignal): Promise<ConnectionReport> {
    const result = await this.run(
      {
        item: { id: 'connection-test', prompt: 'What is 2 + 3?', answer: '5', source: 'test' },
        question: 'What is 2 + 3?',
        response: 'I add the two numbers: 2 + 3 = 5. The answer is \\boxed{5}.',
        signal,
      },
      0,
    );
    return describeConnection(result, {
      baseURL: this.opts.baseURL,
      model: this.opts.model,
      hasKey: this.opts.apiKey !== undefined,
      timeoutMs: this.opts.timeoutMs,
      listModels: () => this.listModels(signal),
      redact: (text) => this.redact(text),
    });
  }

  /**
   * Scrubs the API key, the base URL's secrets and anything shaped like a key or URL credentials
   * (query parameters such as ?api_key= included) from a message.
   */
  private redact(text: string): string {
    const key = this.opts.apiKey;
    return redactText(key ? text.split(key).join(KEY_MASK) : text, this.urlSecrets);
  }

  /** Guidance with the key and the URL's secrets scrubbed: a reply that echoes them is stored. */
  private scrubGuidance(g: Guidance): Guidance {
    const secrets = this.opts.apiKey ? [this.opts.apiKey, ...this.urlSecrets] : this.urlSecrets;
    const clean = (t: string) => redactText(t, secrets);
    return { ...g, reason: clean(g.reason), phrase: clean(g.phrase) };
  }

  /** One call with up to `retries` retries; never rejects. */
  private async run(req: TeacherRequest, retries: number): Promise<TeacherResult> {
    const started = Date.now();
    const done = (
      r: Omit<TeacherSuccess, 'latencyMs'> | Omit<TeacherFailure, 'latencyMs'>,
    ): TeacherResult => ({ ...r, latencyMs: Date.now() - started });
    const fail = (c: Classified): TeacherResult =>
      done({ ok: false, failure: c.failure, message: this.redact(c.message) });
    const cancelled = (): TeacherResult =>
      fail({ failure: 'cancelled', message: 'the teacher call was cancelled' });

    try {
      new URL(this.endpoint);
    } catch {
      return fail({
        failure: 'bad_request',
        message: `the base URL "${this.opts.baseURL}" is not a valid URL (expected e.g. http://127.0.0.1:11434/v1)`,
      });
    }
    const call = new AbortController();
    const onUserAbort = (): void => call.abort();
    if (req.signal?.aborted) return cancelled();
    req.signal?.addEventListener('abort', onUserAbort, { once: true });
    this.inFlight.add(call);
    const messages = buildMessages(this.opts.prompt, req.question, req.response);
    try {
      let last: Classified | undefined;
      let logprobRetryUsed = false;
      for (let attempt = 0; attempt <= retries; attempt += 1) {
        let release: () => void;
        try {
          release = await this.semaphore.acquire(call.signal);
        } catch {
          return cancelled();
        }
        let outcome: Attempt;
        try {
          outcome = await this.attempt(messages, call.signal);
        } finally {
          release();
        }
        if (outcome.ok) {
          const { guidance, raw, logprobs } = outcome;
          return done(
            logprobs ? { ok: true, guidance, raw, logprobs } : { ok: true, guidance, raw },
          );
        }
        if (outcome.failure === 'cancelled') return cancelled();
        if (outcome.dropLogprobs && !logprobRetryUsed) {
          // The server refused `logprobs`: ask again without them, not counted as a retry.
          logprobRetryUsed = true;
          this.logprobsRefused = true;
          attempt -= 1;
          continue;
        }
        last = outcome;
        if (!RETRYABLE_KINDS.has(outcome.failure) || attempt === retries) break;
        req.onAttemptFailed?.(outcome.failure);
        const delay = this.retryDelay(attempt, outcome.retryAfterMs);
        this.stats.recordRetry();
        try {
          await sleep(delay, call.signal);
        } catch {
          return cancelled();
        }
      }
      const failure = last ?? { failure: 'server_error', message: 'no attempt was made' };
      const tries =
        retries > 0 && RETRYABLE_KINDS.has(failure.failure)
          ? ` (after ${retries + 1} attempts)`
          : '';
      return fail({ failure: failure.failure, message: `${failure.message}${tries}` });
    } finally {
      req.signal?.removeEventListener('abort', onUserAbort);
      this.inFlight.delete(call);
    }
  }

  /** How long to wait before the next attempt. */
  private retryDelay(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.opts.maxRetryAfterMs);
    const exp = Math.min(this.opts.maxBackoffMs, this.opts.backoffBaseMs * 2 ** attempt);
    return exp * (0.5 + 0.5 * this.rng.next());
  }

  /** The JSON request body. */
  private requestBody(messages: ChatMessage[]): string {
    const body: Record<string, unknown> = {
      model: this.opts.model,
      messages,
      temperature: this.opts.temperature,
      max_tokens: this.opts.maxTokens,
    };
    if (this.opts.logprobs && !this.logprobsRefused) {
      body.logprobs = true;
      if (this.opts.topLogprobs !== undefined) body.top_logprobs = this.opts.topLogprobs;
    }
    return JSON.stringify(body);
  }

  /** The request headers (the key only when set). */
  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.opts.apiKey) headers.Authorization = `Bearer ${this.opts.apiKey}`;
    return headers;
  }

  /** One HTTP attempt under the per-attempt timeout. */
  private async attempt(messages: ChatMessage[], callSignal: AbortSignal): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.opts.timeoutMs);
    const onAbort = (): void => controller.abort();
    callSignal.addEventListener('abort', onAbort, { once: true });
    const askedLogprobs = this.opts.logprobs && !this.logprobsRefused;
    let gotResponse = false;
    try {
      const res = await this.fetchImpl(this.endpoint, {
        method: 'POST',
        headers: this.headers(),
        body: this.requestBody(messages),
        signal: controller.signal,
        // Never follow a redirect: it could carry the Authorization header to another origin.
        redirect: 'manual',
      });
      gotResponse = true;
      if (isRedirect(res)) {
        await res.body?.cancel().catch(() => undefined);
        return redirectFailure(res, this.endpoint);
      }
      if (!res.ok) return await this.failedResponse(res, askedLogprobs);
      return await this.successfulResponse(res);
    } catch (error) {
      if (timedOut) {
        return {
          ok: false,
          failure: 'timeout',
          message: `no complete reply within ${this.opts.timeoutMs} ms from ${this.endpoint}`,
        };
      }
      if (callSignal.aborted || error instanceof AbortedError) {
        return { ok: false, failure: 'cancelled', message: 'cancelled' };
      }
      const cause = error instanceof Error ? describeError(error) : String(error);
      if (gotResponse) {
        return {
          ok: false,
          failure: 'server_error',
          message: `the connection broke while reading the reply (${cause})`,
        };
      }
      const blocked = await this.reachableDespiteError();
      return {
        ok: false,
        failure: blocked ? 'cors' : 'network',
        message: networkMessage(this.endpoint, cause, blocked),
      };
    } finally {
      clearTimeout(timer);
      callSignal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * In a browser, after a fetch TypeError to another origin: whether the server answers a
   * `no-cors` probe (then the real request was blocked by CORS, not by a dead server).
   */
  private async reachableDespiteError(): Promise<boolean> {
    if (!isCrossOriginBrowser(this.endpoint)) return false;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 3000);
    try {
      await this.fetchImpl(apiUrl(this.opts.baseURL, 'models'), {
        mode: 'no-cors',
        signal: controller.signal,
      });
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Classifies a non-2xx response (reading a little of its body). */
  private async failedResponse(res: Response, askedLogprobs: boolean): Promise<Attempt> {
    const { text } = await readTextCapped(res, 64 * 1024);
    const classified = classifyStatus(res.status, res.statusText, text, {
      url: this.endpoint,
      model: this.opts.model,
      hasKey: this.opts.apiKey !== undefined,
    });
    const outcome: Attempt = { ok: false, ...classified };
    if (res.status === 429 || res.status === 503) {
      const wait = parseRetryAfter(res.headers.get('retry-after'));
      if (wait !== null) outcome.retryAfterMs = wait;
    }
    if (askedLogprobs && res.status === 400 && /logprob/i.test(errorText(text))) {
      outcome.dropLogprobs = true;
    }
    return outcome;
  }

  /** Reads, checks and parses a 2xx reply. */
  private async successfulResponse(res: Response): Promise<Attempt> {
    const body = await readTextCapped(res, this.opts.maxReplyBytes);
    if (body.oversized) {
      return {
        ok: false,
        failure: 'oversized',
        message: `the reply is larger than ${this.opts.maxReplyBytes} bytes; lower max tokens or raise the reply limit`,
      };
    }
    let json: unknown;
    try {
      json = JSON.parse(body.text);
    } catch {
      return {
        ok: false,
        failure: 'bad_json',
        message: `the server's reply is not valid JSON (it may be cut off): "${clip(body.text, 80)}"`,
      };
    }
    const completion = readCompletion(json);
    if ('error' in completion) return { ok: false, failure: 'format', message: completion.error };
    const parsed = parseGuidance(completion.content);
    if (!parsed.ok) {
      const cut =
        completion.finishReason === 'length'
          ? ' (the reply was cut off at max tokens; raise max tokens)'
          : '';
      return {
        ok: false,
        failure: 'format',
        message: `the reply does not follow the tag format: ${parsed.message}${cut}`,
      };
    }
    const raw = this.redact(completion.content);
    const outcome: Attempt = { ok: true, guidance: this.scrubGuidance(parsed.guidance), raw };
    if (completion.logprobs) outcome.logprobs = completion.logprobs;
    return outcome;
  }

  /** Lists the model ids the server offers (GET /models), or null. */
  async listModels(signal?: AbortSignal): Promise<string[] | null> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.min(this.opts.timeoutMs, 5000));
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const headers = this.headers();
      delete headers['Content-Type'];
      const res = await this.fetchImpl(apiUrl(this.opts.baseURL, 'models'), {
        headers,
        signal: controller.signal,
        redirect: 'manual',
      });
      if (!res.ok) return null;
      const { text, oversized } = await readTextCapped(res, this.opts.maxReplyBytes);
      if (oversized) return null;
      const json: unknown = JSON.parse(text);
      const data = (json as { data?: unknown }).data;
      if (!Array.isArray(data)) return null;
      return data
        .map((m: unknown) => (m && typeof m === 'object' ? (m as { id?: unknown }).id : undefined))
        .filter((id): id is string => typeof id === 'string');
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * Whether a `redirect: 'manual'` fetch stopped at a redirect: browsers give an opaque response
 * (type "opaqueredirect", status 0), Node's fetch the 3xx response itself.
 */
function isRedirect(res: Response): boolean {
  return res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400);
}

/** The failure for a redirect that was not followed. */
function redirectFailure(res: Response, endpoint: string): Attempt {
  const location = res.headers.get('location');
  let target = '';
  if (location) {
    try {
      target = ` to ${new URL(location, endpoint).origin}`;
    } catch {
      target = '';
    }
  }
  return {
    ok: false,
    failure: 'redirect',
    message: `the server at ${new URL(endpoint).origin} answered with a redirect${target}; the lab does not follow redirects, so the API key only ever goes to the configured address. Set the base URL to the final address`,
  };
}

/** A short description of a fetch error, including undici's `cause` code when present. */
function describeError(error: Error): string {
  const cause = (error as Error & { cause?: unknown }).cause;
  const code =
    cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  return code ? `${error.message}: ${code}` : error.message;
}

/**
 * `base` + "/" + `path`, the path joined before any query string or fragment of the base URL
 * ("https://h/v1?api-version=1" + "models" = "https://h/v1/models?api-version=1").
 */
export function apiUrl(base: string, path: string): string {
  try {
    const url = new URL(base);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`;
    return url.toString();
  } catch {
    return `${base}/${path}`;
  }
}
