/**
 * A real OpenAI-compatible HTTP server for tests (Node only; never import it from browser
 * code). It listens on 127.0.0.1 on an ephemeral port and can answer well or fail in every way
 * the HTTP teacher must survive. CORS headers are sent (and preflights answered) unless the
 * `noCors` option or mode is set, so browser e2e tests can use it too.
 *
 * Control endpoints for out-of-process users (Playwright): `POST /__control/mode` with JSON
 * `{mode, ...options}`, `GET /__control/requests`, `POST /__control/reset`, and
 * `POST /__control/data` with `{name, text}` to serve `text` at `GET /__data/<name>` (a dataset
 * file for the lab to fetch). A refused connection is a closed port: see `refusedUrl()`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the server answers chat-completion requests. */
export type TestServerMode =
  /** Valid tags (with the catchphrase when set; with log-probs when asked). */
  | 'ok'
  /** Valid tags after a `<think>...</think>` block. */
  | 'think'
  /** Plain text without tags. */
  | 'malformed'
  /** HTTP 500. */
  | 'error500'
  /** HTTP 429 with `Retry-After` (default 1 s). */
  | 'rateLimited'
  /** HTTP 200 whose JSON body is cut in half. */
  | 'truncatedJson'
  /** HTTP 200 streaming a body larger than `oversizeBytes`. */
  | 'oversized'
  /** Never answers until the server closes. */
  | 'hang'
  /** HTTP 401 (echoing the Authorization header it got, as some servers do). */
  | 'unauthorized'
  /** HTTP 404 "model not found" (Ollama's wording). */
  | 'unknownModel'
  /** Like 'ok' but without CORS headers. */
  | 'noCors'
  /** Like 'ok' after a delay (`delayMs`, default 500 ms): slow but successful. */
  | 'slow'
  /** HTTP 307 to `redirectTo` (default: the same path on port 9): a redirect to another origin. */
  | 'redirect';

/** Every mode, for validating input. */
export const TEST_SERVER_MODES: readonly TestServerMode[] = [
  'ok',
  'think',
  'malformed',
  'error500',
  'rateLimited',
  'truncatedJson',
  'oversized',
  'hang',
  'unauthorized',
  'unknownModel',
  'noCors',
  'slow',
  'redirect',
];

/** Reads a mode name, or throws with the list of valid ones. */
export function toMode(name: string): TestServerMode {
  const mode = TEST_SERVER_MODES.find((m) => m === name);
  if (!mode) throw new Error(`unknown mode "${name}"; one of: ${TEST_SERVER_MODES.join(', ')}`);
  return mode;
}

/** Settings of the test server; all optional. */
export interface TestServerOptions {
  mode?: TestServerMode;
  /** For failing modes: fail this many chat requests, then answer as 'ok' (default: always). */
  failTimes?: number;
  /** Quoted once in good replies: "This is what X would have said: '...'". */
  catchphrase?: string;
  /** Send no CORS headers, whatever the mode. */
  noCors?: boolean;
  /** When set, chat requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  /** Delay before each chat answer, in ms (default 0). */
  delayMs?: number;
  /** Known model names; others get 404 `model_not_found` (default: every name is known). */
  models?: string[];
  /** The boxed answer good replies end with (default "42"). */
  answer?: string;
  /** Body size in 'oversized' mode (default 2 MiB). */
  oversizeBytes?: number;
  /** Retry-After value in 'rateLimited' mode (default "1"). */
  retryAfter?: string;
  /** Replaces the <reason> text of good replies (e.g. markup, to check it renders as text). */
  reason?: string;
  /** Where 'redirect' mode points (an absolute URL). */
  redirectTo?: string;
  /** Port to listen on (default 0: ephemeral). */
  port?: number;
}

/** One logged chat request. */
export interface LoggedRequest {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
  at: number;
}

/** Live request counters (mutated in place). */
export interface TestServerRequests {
  /** Chat-completion requests received. */
  count: number;
  /** The chat-completion requests, oldest first. */
  log: LoggedRequest[];
  /** GET /models requests received. */
  modelsCount: number;
  /** Chat requests being served now. */
  inFlight: number;
  /** Most chat requests served at once. */
  maxConcurrent: number;
}

/** A running test server. */
export interface TestTeacherServer {
  /** Base URL with the API prefix, e.g. "http://127.0.0.1:54321/v1". */
  url: string;
  /** "http://127.0.0.1:54321". */
  origin: string;
  port: number;
  requests: TestServerRequests;
  /** Changes the mode (and any options); resets the failure counter. */
  setMode(mode: TestServerMode, options?: Omit<TestServerOptions, 'mode' | 'port'>): void;
  /** Zeroes the request counters. */
  reset(): void;
  /** Stops listening and drops every open connection (hanging requests included). */
  close(): Promise<void>;
}

type ChatBody = {
  model?: unknown;
  messages?: unknown;
  logprobs?: unknown;
  top_logprobs?: unknown;
};

/** The last user message's "Response:" part. */
function studentResponse(body: ChatBody): string {
  if (!Array.isArray(body.messages)) return '';
  const last: unknown = body.messages[body.messages.length - 1];
  const content =
    last && typeof last === 'object' ? (last as { content?: unknown }).content : undefined;
  if (typeof content !== 'string') return '';
  const i = content.indexOf('Response:');
  return i >= 0 ? content.slice(i + 'Response:'.length) : content;
}

/** A valid tagged reply. */
export function goodReply(
  studentText: string,
  answer: string,
  catchphrase?: string,
  reasonText?: string,
): string {
  const boxed = /\\boxed\{([^{}]*)\}(?![\s\S]*\\boxed\{)/.exec(studentText)?.[1]?.trim();
  const correct = boxed === answer;
  const reason =
    reasonText ??
    (correct
      ? 'Let me walk through my steps again... each one follows from the question. Yes, this holds.'
      : 'I jumped to the answer without checking my arithmetic. Let me redo it carefully.');
  const body = 'I go through the question one step at a time and check each result.';
  const phrase = catchphrase
    ? `This is what ${catchphrase} would have said: '${body}' So the final answer is \\boxed{${answer}}`
    : `${body} So the final answer is \\boxed{${answer}}`;
  return `<opinion>${correct ? 'correct' : 'incorrect'}</opinion>\n<reason>${reason}</reason>\n<phrase>${phrase}</phrase>`;
}

/** OpenAI-style log-probs for a reply: one entry per whitespace-led word. */
function fakeLogprobs(content: string, top: number): unknown {
  const tokens = content.match(/\s*\S+/g) ?? [];
  return {
    content: tokens.map((token, i) => {
      const logprob = -0.01 - 0.05 * (i % 5);
      const entry: Record<string, unknown> = { token, logprob, bytes: null };
      if (top > 0) {
        entry.top_logprobs = [
          { token, logprob, bytes: null },
          { token: ' the', logprob: logprob - 2, bytes: null },
        ].slice(0, top);
      }
      return entry;
    }),
  };
}

/** A chat completion JSON object around `content`. */
function completion(model: string, content: string, body: ChatBody): Record<string, unknown> {
  const choice: Record<string, unknown> = {
    index: 0,
    message: { role: 'assistant', content },
    finish_reason: 'stop',
  };
  if (body.logprobs === true) {
    const top = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
    choice.logprobs = fakeLogprobs(content, top);
  }
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [choice],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

/** Waits until the response can take more data or has closed. */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Reads a request body as text. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a test server; resolves once it listens. */
export async function startTestTeacherServer(
  options: TestServerOptions = {},
): Promise<TestTeacherServer> {
  let opts: TestServerOptions = { ...options };
  let mode: TestServerMode = options.mode ?? 'ok';
  let failuresServed = 0;
  const files = new Map<string, string>();
  const requests: TestServerRequests = {
    count: 0,
    log: [],
    modelsCount: 0,
    inFlight: 0,
    maxConcurrent: 0,
  };

  const setMode = (next: TestServerMode, more: Omit<TestServerOptions, 'mode' | 'port'> = {}) => {
    mode = next;
    opts = { ...opts, ...more };
    failuresServed = 0;
  };
  const reset = (): void => {
    requests.count = 0;
    requests.log.length = 0;
    requests.modelsCount = 0;
    requests.maxConcurrent = requests.inFlight;
  };

  const corsOn = (): boolean => !opts.noCors && mode !== 'noCors';
  const send = (res: ServerResponse, status: number, payload: unknown, extra = {}): void => {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...extra,
    };
    if (corsOn()) headers['Access-Control-Allow-Origin'] = '*';
    res.writeHead(status, headers);
    res.end(text);
  };

  const handleChat = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    let body: ChatBody;
    try {
      body = JSON.parse(text) as ChatBody;
    } catch {
      send(res, 400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
      return;
    }
    const authorization = req.headers.authorization ?? null;
    requests.count += 1;
    requests.log.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorization,
      body,
      at: Date.now(),
    });
    const delay = mode === 'slow' ? opts.delayMs || 500 : opts.delayMs;
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const model = typeof body.model === 'string' ? body.model : '';
    if (opts.apiKey !== undefined && authorization !== `Bearer ${opts.apiKey}`) {
      send(res, 401, {
        error: {
          message: 'Incorrect API key provided',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
      return;
    }
    if (opts.models && !opts.models.includes(model)) {
      send(res, 404, {
        error: {
          message: `The model \`${model}\` does not exist or you do not have access to it.`,
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      });
      return;
    }
    const failing = !['ok', 'think', 'noCors', 'slow'].includes(mode);
    const budget = opts.failTimes ?? Number.POSITIVE_INFINITY;
    const effective: TestServerMode = failing && failuresServed >= budget ? 'ok' : mode;
    if (failing && effective !== 'ok') failuresServed += 1;
    const answer = opts.answer ?? '42';
    const good = goodReply(studentResponse(body), answer, opts.catchphrase, opts.reason);
    switch (effective) {
      case 'ok':
      case 'noCors':
      case 'slow':
        send(res, 200, completion(model, good, body));
        return;
      case 'think':
        send(
          res,
          200,
          completion(
            model,
            `<think>\nThe student wrote something; I should reply in the tag format.\n</think>\n\n${good}`,
            body,
          ),
        );
        return;
      case 'malformed':
        send(res, 200, completion(model, 'The student is probably right, the answer is 42.', body));
        return;
      case 'error500':
        send(res, 500, { error: { message: 'internal server error', type: 'server_error' } });
        return;
      case 'rateLimited':
        send(
          res,
          429,
          { error: { message: 'rate limit reached', type: 'rate_limit_error' } },
          { 'Retry-After': opts.retryAfter ?? '1' },
        );
        return;
      case 'truncatedJson': {
        const full = JSON.stringify(completion(model, good, body));
        send(res, 200, full.slice(0, Math.floor(full.length / 2)));
        return;
      }
      case 'oversized': {
        const size = opts.oversizeBytes ?? 2 * 1024 * 1024;
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (corsOn()) headers['Access-Control-Allow-Origin'] = '*';
        res.writeHead(200, headers);
        res.on('error', () => undefined);
        const chunk = 'x'.repeat(64 * 1024);
        res.write('{"choices":[{"message":{"role":"assistant","content":"');
        for (let written = 0; written < size && !res.destroyed; written += chunk.length) {
          if (!res.write(chunk)) await drainOrClose(res);
        }
        if (!res.destroyed) res.end('"}}]}');
        return;
      }
      case 'hang':
        return;
      case 'redirect': {
        const headers: Record<string, string> = {
          Location: opts.redirectTo ?? `http://127.0.0.1:9${req.url ?? '/'}`,
          'Content-Length': '0',
        };
        if (corsOn()) headers['Access-Control-Allow-Origin'] = '*';
        res.writeHead(307, headers);
        res.end();
        return;
      }
      case 'unauthorized':
        send(res, 401, {
          error: {
            message: `Incorrect API key provided: ${authorization ?? '(none)'}`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        });
        return;
      case 'unknownModel':
        send(res, 404, {
          error: {
            message: `model "${model}" not found, try pulling it first`,
            type: 'api_error',
            param: null,
            code: null,
          },
        });
        return;
    }
  };

  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === '/__control/mode' && req.method === 'POST') {
      const more = JSON.parse((await readBody(req)) || '{}') as TestServerOptions;
      const { mode: next, ...rest } = more;
      setMode(next === undefined ? mode : toMode(String(next)), rest);
      send(res, 200, { mode });
    } else if (path === '/__control/reset' && req.method === 'POST') {
      reset();
      send(res, 200, { ok: true });
    } else if (path === '/__control/data' && req.method === 'POST') {
      const { name, text } = JSON.parse(await readBody(req)) as { name?: unknown; text?: unknown };
      if (typeof name !== 'string' || !/^[\w.-]+$/.test(name) || typeof text !== 'string')
        throw new Error('expected {"name": "file.jsonl", "text": "..."}');
      files.set(name, text);
      send(res, 200, { url: `/__data/${name}` });
    } else if (path === '/__control/requests') {
      send(res, 200, { ...requests, log: requests.log.slice(-50), mode });
    } else send(res, 404, { error: 'unknown control endpoint' });
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'OPTIONS') {
      const headers: Record<string, string> = {};
      if (corsOn()) {
        headers['Access-Control-Allow-Origin'] = '*';
        headers['Access-Control-Allow-Methods'] = 'GET, POST, OPTIONS';
        headers['Access-Control-Allow-Headers'] =
          (req.headers['access-control-request-headers'] as string | undefined) ??
          'Content-Type, Authorization';
        headers['Access-Control-Max-Age'] = '600';
      }
      res.writeHead(204, headers);
      res.end();
      return;
    }
    const fail = (error: unknown): void => {
      if (!res.headersSent) send(res, 500, { error: { message: String(error) } });
      else res.destroy();
    };
    if (path.startsWith('/__control/')) {
      handleControl(req, res, path).catch(fail);
      return;
    }
    if (req.method === 'GET' && path.startsWith('/__data/')) {
      const text = files.get(path.slice('/__data/'.length));
      if (text === undefined) send(res, 404, { error: { message: `no data file at ${path}` } });
      else send(res, 200, text, { 'Content-Type': 'application/x-ndjson' });
      return;
    }
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      requests.modelsCount += 1;
      const ids = opts.models ?? ['test-model'];
      send(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model' })) });
      return;
    }
    if (
      req.method === 'POST' &&
      (path === '/v1/chat/completions' || path === '/chat/completions')
    ) {
      requests.inFlight += 1;
      requests.maxConcurrent = Math.max(requests.maxConcurrent, requests.inFlight);
      let counted = true;
      const done = (): void => {
        if (counted) requests.inFlight -= 1;
        counted = false;
      };
      res.once('finish', done);
      res.once('close', done);
      handleChat(req, res).catch(fail);
      return;
    }
    send(res, 404, { error: { message: `no route for ${req.method} ${path}` } });
  });

  // Idle keep-alive sockets are closed by the client, never by the server: a server-side close
  // racing a client that reuses the socket (e.g. after a long synchronous tfjs step blocked the
  // event loop) would surface as a spurious ECONNRESET.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    requests,
    setMode,
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A base URL on which nothing listens (a port just closed): connections are refused. */
export async function refusedUrl(): Promise<string> {
  const server = await startTestTeacherServer();
  const url = server.url;
  await server.close();
  return url;
}

/** Reads `testServerMain` command-line arguments into server options. */
export function parseTestServerArgs(argv: readonly string[]): TestServerOptions {
  const options: TestServerOptions = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      i += 1;
      return v;
    };
    if (arg === '--port') options.port = Number(value());
    else if (arg === '--mode') options.mode = toMode(value());
    else if (arg === '--catchphrase') options.catchphrase = value();
    else if (arg === '--api-key') options.apiKey = value();
    else if (arg === '--delay-ms') options.delayMs = Number(value());
    else if (arg === '--no-cors') options.noCors = true;
    else if (/^\d+$/.test(arg)) options.port = Number(arg);
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (options.port !== undefined && !(options.port >= 0 && options.port < 65536)) {
    throw new Error(`invalid port: ${options.port}`);
  }
  return options;
}
