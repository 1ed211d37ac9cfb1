import { afterEach, describe, expect, it } from 'vitest';
import { parseTestServerArgs, startTestTeacherServer } from './testServer';
import type { TestTeacherServer } from './testServer';

let server: TestTeacherServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const preflight = (url: string) =>
  fetch(`${url}/chat/completions`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'http://localhost:5173',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type',
    },
  });

describe('test teacher server', () => {
  it('listens on 127.0.0.1 with an ephemeral port and sends CORS headers', async () => {
    server = await startTestTeacherServer();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const pre = await preflight(server.url);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    const models = await fetch(`${server.url}/models`);
    expect(models.headers.get('access-control-allow-origin')).toBe('*');
    expect(await models.json()).toEqual({
      object: 'list',
      data: [{ id: 'test-model', object: 'model' }],
    });
  });

  it('omits CORS headers in noCors mode or with the noCors option', async () => {
    server = await startTestTeacherServer({ mode: 'noCors' });
    expect((await preflight(server.url)).headers.get('access-control-allow-origin')).toBeNull();
    const res = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    server.setMode('ok', { noCors: true });
    expect((await preflight(server.url)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is controllable over HTTP', async () => {
    server = await startTestTeacherServer();
    const set = await fetch(`${server.origin}/__control/mode`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'error500', failTimes: 1 }),
    });
    expect(await set.json()).toEqual({ mode: 'error500' });
    const chat = () =>
      fetch(`${server?.url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [] }),
      });
    expect((await chat()).status).toBe(500);
    expect((await chat()).status).toBe(200);
    const counts = (await (await fetch(`${server.origin}/__control/requests`)).json()) as {
      count: number;
    };
    expect(counts.count).toBe(2);
    await fetch(`${server.origin}/__control/reset`, { method: 'POST' });
    expect(server.requests.count).toBe(0);
    const bad = await fetch(`${server.origin}/__control/mode`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'bogus' }),
    });
    expect(bad.status).toBe(500);
  });

  it('serves a posted data file with CORS headers, and replaces the reason when asked', async () => {
    server = await startTestTeacherServer();
    const text = '{"question":"<b>x</b>","answer":"#### 1"}\n';
    const posted = await fetch(`${server.origin}/__control/data`, {
      method: 'POST',
      body: JSON.stringify({ name: 'q.jsonl', text }),
    });
    expect(await posted.json()).toEqual({ url: '/__data/q.jsonl' });
    const got = await fetch(`${server.origin}/__data/q.jsonl`);
    expect(got.headers.get('access-control-allow-origin')).toBe('*');
    expect(await got.text()).toBe(text);
    expect((await fetch(`${server.origin}/__data/none.jsonl`)).status).toBe(404);
    server.setMode('ok', { reason: '<img src=x>' });
    const chat = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    const body = (await chat.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0].message.content).toContain('<reason><img src=x></reason>');
  });

  it('close() ends hanging requests', async () => {
    server = await startTestTeacherServer({ mode: 'hang' });
    const pending = fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [] }),
    }).then(
      () => 'answered',
      () => 'closed',
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests.inFlight).toBe(1);
    await server.close();
    server = undefined;
    expect(await pending).toBe('closed');
  });

  it('parses CLI arguments', () => {
    expect(parseTestServerArgs(['8787'])).toEqual({ port: 8787 });
    expect(
      parseTestServerArgs(['--port', '0', '--mode', 'think', '--no-cors', '--catchphrase', 'X']),
    ).toEqual({
      port: 0,
      mode: 'think',
      noCors: true,
      catchphrase: 'X',
    });
    expect(() => parseTestServerArgs(['--mode', 'nope'])).toThrow(/unknown mode/);
    expect(() => parseTestServerArgs(['--port'])).toThrow(/needs a value/);
    expect(() => parseTestServerArgs(['99999'])).toThrow(/invalid port/);
  });
});
