import { describe, expect, it } from 'vitest';
import { classifyStatus, isModelNotFound, parseRetryAfter } from './httpFailures';
import { TeacherStats } from './stats';

const ctx = { url: 'http://h/v1/chat/completions', model: 'm', hasKey: false };

describe('HTTP failure classification', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('1')).toBe(1000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it('recognises model-not-found bodies from common servers', () => {
    expect(isModelNotFound('{"error":{"code":"model_not_found","message":"x"}}')).toBe(true);
    expect(
      isModelNotFound('{"error":{"message":"model \\"llama3\\" not found, try pulling it first"}}'),
    ).toBe(true);
    expect(
      isModelNotFound('{"object":"error","message":"The model `x` does not exist.","code":404}'),
    ).toBe(true);
    expect(isModelNotFound('{"error":"404 page not found"}')).toBe(false);
  });

  it('maps statuses to kinds', () => {
    expect(classifyStatus(401, '', '', ctx).failure).toBe('auth');
    expect(classifyStatus(403, '', '', ctx).failure).toBe('auth');
    expect(classifyStatus(404, '', '{"error":{"code":"model_not_found"}}', ctx).failure).toBe(
      'unknown_model',
    );
    expect(classifyStatus(404, '', 'Not Found', ctx).failure).toBe('bad_request');
    expect(classifyStatus(408, '', '', ctx).failure).toBe('timeout');
    expect(classifyStatus(429, '', '', ctx).failure).toBe('rate_limited');
    expect(classifyStatus(503, '', '', ctx).failure).toBe('server_error');
    expect(classifyStatus(400, '', '{"error":{"message":"context length exceeded"}}', ctx)).toEqual(
      {
        failure: 'bad_request',
        message: 'HTTP 400: the server refused the request: context length exceeded',
      },
    );
  });

  it('counts outcomes in TeacherStats', () => {
    const stats = new TeacherStats();
    stats.record({ ok: false, failure: 'timeout', message: 't', latencyMs: 30 });
    stats.record({
      ok: true,
      guidance: { opinion: 'correct', reason: 'r', phrase: 'p' },
      raw: '',
      latencyMs: 10,
    });
    stats.recordRetry();
    expect(stats.snapshot()).toMatchObject({
      calls: 2,
      successes: 1,
      failures: 1,
      retries: 1,
      meanLatencyMs: 20,
    });
    expect(stats.byKind.timeout).toBe(1);
    stats.reset();
    expect(stats.snapshot().calls).toBe(0);
  });
});
