import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../contract/config';
import { presetConfig } from '../../contract/presets';
import { BuiltinTeacher } from './builtin';
import { buildHttpTeacher, buildTeacher } from './build';
import { HttpTeacher } from './http';
import type { TeacherRequest } from './types';

const KEY = 'sk-build-test-0123456789';

function httpConfig(catchphrase: string): RunConfig {
  const c = presetConfig('tiny');
  return {
    ...c,
    reward: { ...c.reward, catchphrase },
    teacher: { ...c.teacher, kind: 'http', baseURL: 'http://teacher.test/v1', model: 'm' },
  };
}

/** A fetch that records each request's headers and body and answers with one guidance. */
function recordingFetch(seen: Array<{ auth: string | null; body: string }>): typeof fetch {
  return (async (_url: string, init: RequestInit) => {
    seen.push({
      auth: new Headers(init.headers).get('Authorization'),
      body: String(init.body),
    });
    const content = '<opinion>correct</opinion><reason>Fine.</reason><phrase>Good.</phrase>';
    return new Response(JSON.stringify({ choices: [{ message: { content } }] }), {
      headers: { 'Content-Type': 'application/json' },
    });
  }) as typeof fetch;
}

const REQ: TeacherRequest = {
  item: { id: 'q', prompt: 'What is 2 + 3?', answer: '5', source: 'test' },
  question: 'What is 2 + 3?',
  response: 'The answer is \\boxed{5}.',
};

describe('buildTeacher', () => {
  it('builds the built-in teacher or the HTTP one by the config kind', () => {
    const c = presetConfig('tiny');
    expect(buildTeacher({ ...c, teacher: { ...c.teacher, kind: 'builtin' } })).toBeInstanceOf(
      BuiltinTeacher,
    );
    expect(buildTeacher(httpConfig(''))).toBeInstanceOf(HttpTeacher);
  });

  it('sends the key as a header only, never in the config, and keeps the catchphrase', async () => {
    const seen: Array<{ auth: string | null; body: string }> = [];
    const c = httpConfig('Eureka');
    const t = buildTeacher(c, { apiKey: KEY, fetch: recordingFetch(seen) });
    await t.guide(REQ);
    expect(seen[0].auth).toBe(`Bearer ${KEY}`);
    expect(seen[0].body).toContain('Eureka');
    expect(seen[0].body).not.toContain(KEY);
    expect(JSON.stringify(c)).not.toContain(KEY);
  });

  it("takes the user's prompt with the run's catchphrase; an empty key sends none", async () => {
    const seen: Array<{ auth: string | null; body: string }> = [];
    const c = httpConfig('Eureka');
    const t = buildHttpTeacher(
      c.teacher,
      { seed: 1, catchphrase: 'Eureka' },
      {
        apiKey: '',
        prompt: { systemPrompt: 'CUSTOM SYSTEM', fewShots: [], catchphrase: 'other' },
        fetch: recordingFetch(seen),
      },
    );
    await t.guide(REQ);
    expect(seen[0].auth).toBeNull();
    expect(seen[0].body).toContain('CUSTOM SYSTEM');
    expect(seen[0].body).toContain('Eureka');
    expect(seen[0].body).not.toContain('other');
  });
});
