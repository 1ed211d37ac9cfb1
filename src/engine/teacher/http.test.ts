import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TaskItem } from '../tasks/types';
import { HttpTeacher } from './http';
import type { HttpTeacherOptions } from './http';
import { defaultPromptConfig } from '../../contract/teacherPrompt';
import { refusedUrl, startTestTeacherServer } from '../../../test/teacherServer/testServer';
import type { TestTeacherServer } from '../../../test/teacherServer/testServer';
import type { TeacherRequest, TeacherResult } from './types';

const ITEM: TaskItem = { id: 't1', prompt: 'What is 6 × 7?', answer: '42', source: 'generated' };
const REQ: TeacherRequest = {
  item: ITEM,
  question: ITEM.prompt,
  response: '6 × 7 = 41. \\boxed{41}',
};
const KEY = 'sk-test-SECRET-1234567890';

let server: TestTeacherServer;

beforeAll(async () => {
  server = await startTestTeacherServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.setMode('ok', { failTimes: undefined, delayMs: 0, apiKey: undefined, models: undefined });
  server.reset();
  vi.unstubAllGlobals();
});

function teacher(options: Partial<HttpTeacherOptions> = {}): HttpTeacher {
  return new HttpTeacher({
    baseURL: server.url,
    model: 'test-model',
    backoffBaseMs: 10,
    rng: { next: () => 0.5 },
    ...options,
  });
}

function failure(result: TeacherResult) {
  if (result.ok) throw new Error('expected a failure');
  return result;
}

describe('HttpTeacher against the test server', () => {
  it('gets guidance and keeps log-probs; sends the expected request', async () => {
    const t = teacher({ baseURL: `${server.url}/`, topLogprobs: 2, maxTokens: 300 });
    const r = await t.guide(REQ);
    if (!r.ok) throw new Error(r.message);
    expect(r.guidance.opinion).toBe('incorrect');
    expect(r.guidance.phrase).toMatch(/\\boxed\{42\}$/);
    expect(r.raw).toContain('<opinion>');
    expect(r.logprobs?.length).toBeGreaterThan(5);
    expect(r.logprobs?.[0]).toEqual({ token: expect.any(String), logprob: expect.any(Number) });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.requests.count).toBe(1);
    const logged = server.requests.log[0];
    expect(logged.path).toBe('/v1/chat/completions');
    expect(logged.authorization).toBeNull();
    expect(logged.body).toMatchObject({
      model: 'test-model',
      temperature: 0,
      max_tokens: 300,
      logprobs: true,
      top_logprobs: 2,
    });
    const messages = (logged.body as { messages: Array<{ role: string; content: string }> })
      .messages;
    expect(messages).toHaveLength(10);
    expect(messages[9].content).toBe(`Question: ${REQ.question}\n\nResponse: ${REQ.response}`);
    expect(t.stats.snapshot()).toMatchObject({ calls: 1, successes: 1, failures: 0 });
  });

  it('does not ask for log-probs when disabled', async () => {
    const r = await teacher({ logprobs: false }).guide(REQ);
    expect(r.ok && r.logprobs).toBeUndefined();
    expect(server.requests.log[0].body).not.toHaveProperty('logprobs');
  });

  it('parses a reply that starts with a <think> block, with the catchphrase', async () => {
    server.setMode('think', { catchphrase: 'Thalapathy Vijay' });
    const r = await teacher({ prompt: defaultPromptConfig('Thalapathy Vijay') }).guide(REQ);
    if (!r.ok) throw new Error(r.message);
    expect(r.guidance.phrase).toContain('This is what Thalapathy Vijay would have said');
    server.setMode('ok', { catchphrase: undefined });
  });

  it('reports a malformed reply as a format failure without retrying', async () => {
    server.setMode('malformed');
    const t = teacher();
    const f = failure(await t.guide(REQ));
    expect(f.failure).toBe('format');
    expect(f.message).toMatch(/tag format.*expected <opinion>/);
    expect(server.requests.count).toBe(1);
    expect(t.stats.byKind.format).toBe(1);
  });

  it('retries a 500 and then counts a server_error', async () => {
    server.setMode('error500');
    const t = teacher({ retries: 2 });
    const f = failure(await t.guide(REQ));
    expect(f.failure).toBe('server_error');
    expect(f.message).toMatch(/HTTP 500.*after 3 attempts/);
    expect(server.requests.count).toBe(3);
    expect(t.stats.snapshot()).toMatchObject({ calls: 1, failures: 1, retries: 2 });
    expect(t.stats.byKind.server_error).toBe(1);
  });

  it('recovers when the 500 is transient', async () => {
    server.setMode('error500', { failTimes: 1 });
    const r = await teacher().guide(REQ);
    expect(r.ok).toBe(true);
    expect(server.requests.count).toBe(2);
  });

  it('waits for Retry-After on 429, then succeeds', async () => {
    server.setMode('rateLimited', { failTimes: 1 });
    const start = Date.now();
    const r = await teacher().guide(REQ);
    const elapsed = Date.now() - start;
    expect(r.ok).toBe(true);
    expect(server.requests.count).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
  });

  it('caps the Retry-After wait and reports rate_limited when it persists', async () => {
    server.setMode('rateLimited', { retryAfter: '3600' });
    const start = Date.now();
    const f = failure(await teacher({ retries: 1, maxRetryAfterMs: 50 }).guide(REQ));
    expect(f.failure).toBe('rate_limited');
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('times out on a hanging server', async () => {
    server.setMode('hang');
    const start = Date.now();
    const f = failure(await teacher({ timeoutMs: 300, retries: 0 }).guide(REQ));
    expect(f.failure).toBe('timeout');
    expect(f.message).toMatch(/300 ms/);
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('retries a timeout, with backoff', async () => {
    server.setMode('hang');
    const t = teacher({ timeoutMs: 100, retries: 1 });
    const f = failure(await t.guide(REQ));
    expect(f.failure).toBe('timeout');
    expect(server.requests.count).toBe(2);
    expect(t.stats.retries).toBe(1);
  });

  it('is cancelled by the request signal mid-request', async () => {
    server.setMode('hang');
    const ac = new AbortController();
    const start = Date.now();
    setTimeout(() => ac.abort(), 100);
    const t = teacher({ timeoutMs: 10_000 });
    const f = failure(await t.guide({ ...REQ, signal: ac.signal }));
    expect(f.failure).toBe('cancelled');
    expect(Date.now() - start).toBeLessThan(2000);
    expect(server.requests.count).toBe(1);
    expect(t.pending).toBe(0);
  });

  it('cancelAll aborts calls in flight and calls waiting for a slot', async () => {
    server.setMode('hang');
    const t = teacher({ timeoutMs: 10_000, concurrency: 1 });
    const calls = [t.guide(REQ), t.guide(REQ), t.guide(REQ)];
    await new Promise((r) => setTimeout(r, 100));
    expect(t.pending).toBe(3);
    t.cancelAll();
    const results = await Promise.all(calls);
    expect(results.map((r) => !r.ok && r.failure)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(t.stats.byKind.cancelled).toBe(3);
    expect(server.requests.count).toBe(1);
  });

  it('cancels during a backoff wait', async () => {
    server.setMode('error500');
    const ac = new AbortController();
    const t = teacher({ backoffBaseMs: 5000 });
    const pending = t.guide({ ...REQ, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    const f = failure(await pending);
    expect(f.failure).toBe('cancelled');
    expect(f.latencyMs).toBeLessThan(2000);
  });

  it('classifies 401 as auth, without retrying and without leaking the key', async () => {
    server.setMode('unauthorized');
    const f = failure(await teacher({ apiKey: KEY }).guide(REQ));
    expect(f.failure).toBe('auth');
    expect(f.message).toMatch(/rejected the API key/);
    expect(f.message).not.toContain(KEY);
    expect(f.message).toContain('***');
    expect(server.requests.count).toBe(1);
    const noKey = failure(await teacher().guide(REQ));
    expect(noKey.message).toMatch(/needs an API key/);
  });

  it('sends the key as a Bearer header, and only when set', async () => {
    server.setMode('ok', { apiKey: KEY });
    expect((await teacher({ apiKey: KEY }).guide(REQ)).ok).toBe(true);
    expect(server.requests.log[0].authorization).toBe(`Bearer ${KEY}`);
    const f = failure(await teacher({ apiKey: 'wrong-key-0000' }).guide(REQ));
    expect(f.failure).toBe('auth');
    expect(f.message).not.toContain('wrong-key-0000');
  });

  it('never puts the key in any failure message', async () => {
    const modes = [
      'malformed',
      'error500',
      'truncatedJson',
      'unknownModel',
      'unauthorized',
    ] as const;
    for (const mode of modes) {
      server.setMode(mode);
      const f = failure(await teacher({ apiKey: KEY, retries: 0 }).guide(REQ));
      expect(f.message).not.toContain(KEY);
      expect(f.message).not.toContain('SECRET');
    }
  });

  it('keeps a query in the base URL after the path, and scrubs it and the key from messages and replies', async () => {
    const urlKey = 'qk-6Hs9Lp2Wd';
    const base = `${server.url}?api_key=${urlKey}&api-version=1`;
    server.setMode('ok', { catchphrase: `${KEY} and ${urlKey}`, reason: `I was told ${urlKey}.` });
    const ok = await teacher({ baseURL: base, apiKey: KEY }).guide(REQ);
    if (!ok.ok) throw new Error(ok.message);
    expect(server.requests.log[0].path).toBe(
      `/v1/chat/completions?api_key=${urlKey}&api-version=1`,
    );
    for (const text of [ok.guidance.reason, ok.guidance.phrase, ok.raw]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(urlKey);
    }
    expect(ok.guidance.reason).toBe('I was told [redacted].');
    server.setMode('hang');
    const f = failure(
      await teacher({ baseURL: base, apiKey: KEY, timeoutMs: 100, retries: 0 }).guide(REQ),
    );
    expect(f.failure).toBe('timeout');
    expect(f.message).toMatch(
      /from http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions\?api_key=\[redacted\]&api-version=1/,
    );
    expect(f.message).not.toContain(urlKey);
  });

  it('tells each failed attempt that will be retried as it happens', async () => {
    server.setMode('error500');
    const seen: string[] = [];
    const r = await teacher({ retries: 2 }).guide({ ...REQ, onAttemptFailed: (k) => seen.push(k) });
    expect(failure(r).failure).toBe('server_error');
    expect(seen).toEqual(['server_error', 'server_error']); // the third is the result itself
  });

  it('recognises an unknown model (Ollama and OpenAI wording)', async () => {
    server.setMode('unknownModel');
    const f = failure(await teacher({ model: 'llama9' }).guide(REQ));
    expect(f.failure).toBe('unknown_model');
    expect(f.message).toMatch(/does not know the model "llama9".*ollama pull llama9/);
    server.setMode('ok', { models: ['qwen2.5:0.5b'] });
    const g = failure(await teacher({ model: 'gpt-9' }).guide(REQ));
    expect(g.failure).toBe('unknown_model');
    expect(server.requests.count).toBe(2);
  });

  it('reports a wrong path as bad_request mentioning /v1', async () => {
    const f = failure(await teacher({ baseURL: `${server.origin}/api` }).guide(REQ));
    expect(f.failure).toBe('bad_request');
    expect(f.message).toMatch(/HTTP 404.*\/v1/);
  });

  it('rejects an oversized reply', async () => {
    server.setMode('oversized');
    const start = Date.now();
    const f = failure(await teacher({ maxReplyBytes: 100_000 }).guide(REQ));
    expect(f.failure).toBe('oversized');
    expect(server.requests.count).toBe(1);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('reports truncated JSON as bad_json', async () => {
    server.setMode('truncatedJson');
    const f = failure(await teacher().guide(REQ));
    expect(f.failure).toBe('bad_json');
    expect(f.message).toMatch(/not valid JSON \(it may be cut off\)/);
  });

  it('waits for a slow reply that comes within the timeout', async () => {
    server.setMode('slow', { delayMs: 150 });
    const r = await teacher({ timeoutMs: 5000 }).guide(REQ);
    expect(r.ok).toBe(true);
    expect(r.latencyMs).toBeGreaterThanOrEqual(150);
  });

  it('does not follow a redirect: the key never reaches the other origin', async () => {
    const other = await startTestTeacherServer();
    try {
      server.setMode('redirect', { redirectTo: `${other.url}/chat/completions` });
      const f = failure(await teacher({ apiKey: KEY, retries: 2 }).guide(REQ));
      expect(f.failure).toBe('redirect');
      expect(f.message).toContain(`redirect to ${other.origin}`);
      expect(f.message).toMatch(/does not follow redirects/);
      expect(f.message).not.toContain(KEY);
      expect(server.requests.count).toBe(1); // not retried
      expect(other.requests.count).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('reports a refused connection as a network failure', async () => {
    const url = await refusedUrl();
    const t = new HttpTeacher({ baseURL: url, model: 'm', retries: 1, backoffBaseMs: 5 });
    const f = failure(await t.guide(REQ));
    expect(f.failure).toBe('network');
    expect(f.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+/);
    expect(f.message).not.toMatch(/CORS/);
    expect(t.stats.retries).toBe(1);
  });

  it('keeps to the concurrency limit', async () => {
    server.setMode('ok', { delayMs: 80 });
    const t = teacher({ concurrency: 2 });
    const results = await Promise.all(Array.from({ length: 7 }, () => t.guide(REQ)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.requests.count).toBe(7);
    expect(server.requests.maxConcurrent).toBe(2);
  });

  it('reports an invalid base URL as bad_request', async () => {
    const f = failure(await new HttpTeacher({ baseURL: 'not a url', model: 'm' }).guide(REQ));
    expect(f.failure).toBe('bad_request');
  });
});

describe('HttpTeacher in a browser context', () => {
  function stubBrowser(): void {
    vi.stubGlobal('window', {});
    vi.stubGlobal('location', { origin: 'http://localhost:5173' });
  }

  it('explains that a network failure may be CORS, naming each server setting', async () => {
    stubBrowser();
    const dead = await startTestTeacherServer();
    await dead.close();
    const f = failure(
      await new HttpTeacher({ baseURL: dead.url, model: 'm', retries: 0 }).guide(REQ),
    );
    expect(f.failure).toBe('network');
    expect(f.message).toMatch(/CORS/);
    expect(f.message).toMatch(/OLLAMA_ORIGINS/);
    expect(f.message).toMatch(/llama\.cpp.*--host\/--port.*\/v1/);
    expect(f.message).toContain(`--allowed-origins '["*"]'`);
    expect(f.message).toMatch(/LM Studio: enable CORS/);
  });

  it('says cors when a no-cors probe reaches the server', async () => {
    stubBrowser();
    const fakeFetch: typeof fetch = async (_input, init) => {
      if (init?.mode === 'no-cors') return new Response(null, { status: 200 });
      throw new TypeError('Failed to fetch');
    };
    const t = new HttpTeacher({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', fetch: fakeFetch });
    const f = failure(await t.guide(REQ));
    expect(f.failure).toBe('cors');
    expect(f.message).toMatch(/does not allow this origin \(CORS\)/);
  });
});

describe('HttpTeacher with an injected fetch', () => {
  it('drops logprobs once when the server refuses them', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const fakeFetch: typeof fetch = async (_input, init) => {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      bodies.push(body);
      if (body.logprobs) {
        return new Response(JSON.stringify({ error: { message: 'logprobs is not supported' } }), {
          status: 400,
        });
      }
      const content =
        '<opinion>correct</opinion><reason>I agree.</reason><phrase>So \\boxed{1}</phrase>';
      return new Response(JSON.stringify({ choices: [{ message: { content } }] }));
    };
    const t = new HttpTeacher({ baseURL: 'http://x/v1', model: 'm', retries: 0, fetch: fakeFetch });
    expect((await t.guide(REQ)).ok).toBe(true);
    expect((await t.guide(REQ)).ok).toBe(true);
    expect(bodies.map((b) => b.logprobs === true)).toEqual([true, false, false]);
  });

  it('hints at max tokens when a cut-off reply fails the format', async () => {
    const fakeFetch: typeof fetch = async () =>
      new Response(
        JSON.stringify({
          choices: [
            {
              message: { content: '<opinion>correct</opinion><reason>I' },
              finish_reason: 'length',
            },
          ],
        }),
      );
    const t = new HttpTeacher({ baseURL: 'http://x/v1', model: 'm', fetch: fakeFetch });
    expect(failure(await t.guide(REQ)).message).toMatch(/raise max tokens/);
  });
});

describe('testConnection', () => {
  it('reports success in plain words', async () => {
    const report = await teacher().testConnection();
    expect(report).toMatchObject({
      ok: true,
      reachable: true,
      authOk: true,
      modelKnown: true,
      formatOk: true,
      logprobs: true,
    });
    expect(report.summary).toMatch(/Reached the server/);
    expect(report.summary).toMatch(/tag format/);
  });

  it('reports an unknown model with the models on offer', async () => {
    server.setMode('ok', { models: ['qwen2.5:0.5b', 'llama3.2:1b'] });
    const report = await teacher({ model: 'nope' }).testConnection();
    expect(report).toMatchObject({
      ok: false,
      reachable: true,
      modelKnown: false,
      failure: 'unknown_model',
    });
    expect(report.availableModels).toEqual(['qwen2.5:0.5b', 'llama3.2:1b']);
    expect(report.summary).toMatch(/does not know the model "nope".*qwen2\.5:0\.5b/);
  });

  it('reports auth and format problems, never the key', async () => {
    server.setMode('unauthorized');
    const auth = await teacher({ apiKey: KEY }).testConnection();
    expect(auth).toMatchObject({ ok: false, authOk: false, failure: 'auth' });
    expect(auth.summary).not.toContain(KEY);
    server.setMode('malformed');
    const format = await teacher().testConnection();
    expect(format).toMatchObject({
      ok: false,
      reachable: true,
      formatOk: false,
      failure: 'format',
    });
    expect(format.summary).toMatch(/cannot be used as guidance/);
    expect(server.requests.count).toBe(2);
  });

  it('reports an unreachable server', async () => {
    const dead = await startTestTeacherServer();
    await dead.close();
    const report = await new HttpTeacher({ baseURL: dead.url, model: 'm' }).testConnection();
    expect(report).toMatchObject({ ok: false, reachable: false, failure: 'network' });
    expect(report.summary).toMatch(/Could not get a reply/);
  });
});
