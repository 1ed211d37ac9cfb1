import { describe, expect, it } from 'vitest';
import { parseConfig } from './config';
import { presetConfig } from './presets';
import { REDACTED, redactSecrets, redactText, redactUrl, secretValues } from './redact';

const KEY = 'sk-proj-ABCDEFGHIJKLMNOP1234';

describe('redactSecrets', () => {
  it('cleans every string of a config and keeps it a valid config', () => {
    const c = presetConfig('tiny');
    c.teacher.baseURL = `https://user:hunter2@api.example.com/v1?api_key=${KEY}&x=1`;
    c.data.gsm8kTrain = 'https://data.example.com/train.jsonl?token=abc123';
    c.data.promptSuffix = ` Use ${KEY} please.`;
    c.reward.catchphrase = 'hf_abcdefghijklmnopqrstuv';
    const before = structuredClone(c);
    const r = redactSecrets(c);
    expect(c).toEqual(before); // input untouched
    expect(r.teacher.baseURL).toBe('https://api.example.com/v1?api_key=%5Bredacted%5D&x=1');
    expect(r.data.gsm8kTrain).toBe('https://data.example.com/train.jsonl?token=%5Bredacted%5D');
    expect(r.data.promptSuffix).toBe(` Use ${REDACTED} please.`);
    expect(r.reward.catchphrase).toBe(REDACTED);
    expect(JSON.stringify(r)).not.toMatch(/hunter2|abc123|sk-proj|hf_abc/);
    expect(() => parseConfig(r)).not.toThrow();
    // Untouched fields keep their values and types.
    expect(r.rl).toEqual(c.rl);
    expect(r.model).toEqual(c.model);
  });

  it('replaces fields named like secrets and known secret values of any shape', () => {
    const extras = {
      apiKey: 'plain-key-without-a-shape',
      prompt: { systemPrompt: 'say plain-key-without-a-shape' },
      headers: { Authorization: 'Bearer xyz', token: '' },
      list: ['https://a:b@h.example/v1', 3, null],
    };
    const r = redactSecrets(extras, ['plain-key-without-a-shape']);
    expect(r).toEqual({
      apiKey: REDACTED,
      prompt: { systemPrompt: `say ${REDACTED}` },
      headers: { Authorization: REDACTED, token: '' },
      list: ['https://h.example/v1', 3, null],
    });
  });

  it('leaves ordinary text and URLs alone', () => {
    const c = presetConfig('lab');
    expect(redactSecrets(c)).toEqual(c);
    expect(redactUrl('http://127.0.0.1:11434/v1')).toBe('http://127.0.0.1:11434/v1');
    expect(redactText('The answer is \\boxed{42}. sk-1 is short')).toBe(
      'The answer is \\boxed{42}. sk-1 is short',
    );
    expect(redactText('could not reach https://bob:pw@h.example/v1 (ECONNREFUSED)')).toBe(
      'could not reach https://h.example/v1 (ECONNREFUSED)',
    );
    expect(redactText('Authorization: Bearer abcdefghijklmnopqrstuvwxyz')).toBe(
      `Authorization: ${REDACTED}`,
    );
  });

  it('cuts credential query parameters and short sk- keys out of any text', () => {
    expect(
      redactText(
        'no complete reply from http://h:1/v1/chat/completions?api_key=abc123&x=1 (timeout)',
      ),
    ).toBe(
      `no complete reply from http://h:1/v1/chat/completions?api_key=${REDACTED}&x=1 (timeout)`,
    );
    expect(redactText('GET /x?token=t0k3n#frag and &password=hunter2')).toBe(
      `GET /x?token=${REDACTED}#frag and &password=${REDACTED}`,
    );
    expect(redactText('key sk-abc123 and sk-1a')).toBe(`key ${REDACTED} and sk-1a`);
  });

  it("finds the secret values inside a config's URLs", () => {
    const c = presetConfig('tiny');
    c.teacher.baseURL = 'https://bob:pa%24s@h.example/v1?api_key=k-123456&mode=fast';
    c.data.gsm8kTrain = 'https://d.example/t.jsonl?token=tok-98765';
    expect(secretValues(c).sort()).toEqual(['k-123456', 'pa$s', 'tok-98765']);
    expect(secretValues(presetConfig('lab'))).toEqual([]);
  });
});
