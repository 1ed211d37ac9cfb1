import { wasmThreadsFor } from '../src/contract/backend';
import { test, expect, waitForBackend } from './fixtures';

/**
 * Threaded wasm (issue 18): vite preview sends COOP/COEP, so the minified lab is cross-origin
 * isolated and its worker runs tfjs's threaded build, here on both cores; the header says so.
 */
test.describe('threaded wasm', () => {
  test('the built lab is cross-origin isolated and wasm runs on 2 threads', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto('/?backend=wasm');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await waitForBackend(page)).toBe('wasm');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const want = wasmThreadsFor(cores);
    await expect(page.getByTestId('backend-threads')).toHaveText(
      want === 1 ? '1 thread' : `${want} threads`,
    );
    // the hand-written SIMD kernels run on the threaded build's shared memory
    await expect(page.getByTestId('backend-threads')).toHaveAttribute('title', /SIMD kernels on/);
    await page.getByTestId('sample').click();
    await expect(page.getByTestId('completion')).toHaveCount(4);
    expect(consoleErrors).toEqual([]);
  });

  test('?wasmThreads=1 runs the single-threaded build on an isolated page, and says why', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto('/?backend=wasm&wasmThreads=1');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await waitForBackend(page)).toBe('wasm');
    await expect(page.getByTestId('backend-threads')).toHaveText('1 thread');
    await expect(page.getByTestId('backend-threads')).toHaveAttribute(
      'title',
      /the page asked \(\?wasmThreads=1\)/,
    );
    await page.getByTestId('sample').click();
    await expect(page.getByTestId('completion')).toHaveCount(4);
    expect(consoleErrors).toEqual([]);
  });

  test('a bad ?wasmThreads is ignored with the reason; the lab keeps its own choice', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto('/?backend=wasm&wasmThreads=lots');
    expect(await waitForBackend(page)).toBe('wasm');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const want = wasmThreadsFor(cores);
    await expect(page.getByTestId('backend-threads')).toHaveText(
      want === 1 ? '1 thread' : `${want} threads`,
    );
    await expect(page.getByTestId('backend-threads')).toHaveAttribute(
      'title',
      /\?wasmThreads=lots ignored: use a whole number from 1 to 8/,
    );
    expect(consoleErrors).toEqual([]);
  });

  test('without the headers the lab is not isolated and wasm runs on one thread', async ({
    page,
    consoleErrors,
  }) => {
    // A static host that sends no COOP/COEP: drop them from every response.
    await page.route('**/*', async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response, headers });
    });
    await page.goto('/?backend=wasm');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await waitForBackend(page)).toBe('wasm');
    await expect(page.getByTestId('backend-threads')).toHaveText('1 thread');
    await expect(page.getByTestId('backend-threads')).toHaveAttribute(
      'title',
      /not cross-origin isolated/,
    );
    // and on the single-threaded build's plain memory; a sample runs through them
    await expect(page.getByTestId('backend-threads')).toHaveAttribute('title', /SIMD kernels on/);
    await page.getByTestId('sample').click();
    await expect(page.getByTestId('completion')).toHaveCount(4);
    expect(consoleErrors).toEqual([]);
  });
});
