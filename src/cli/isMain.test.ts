import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMain } from './isMain';

describe('isMain', () => {
  const file = '/repo/bench/importRuns.ts';
  const url = pathToFileURL(file).href;

  it('is true for the script Node was started with', () => {
    expect(isMain(url, 'importRuns', file)).toBe(true);
  });

  it('is false for another module, or without a script', () => {
    expect(isMain(url, 'importRuns', '/repo/bench/run.ts')).toBe(false);
    expect(isMain(url, 'importRuns', undefined)).toBe(false);
  });

  it('is false inside a bundle, where every module shares the bundle URL', () => {
    const bundle = '/kit/bench.mjs';
    expect(isMain(pathToFileURL(bundle).href, 'importRuns', bundle)).toBe(false);
    expect(isMain(pathToFileURL(bundle).href, 'importFixtures', bundle)).toBe(false);
  });
});
