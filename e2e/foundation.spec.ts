import { test, expect, waitForBackend } from './fixtures';

test.describe('foundation: worker, backend choice, sampling', () => {
  test('auto picks wasm when the WebGPU adapter is software, and samples', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto('/');
    expect(await waitForBackend(page)).toBe('wasm');
    await expect(page.getByTestId('adapter')).toContainText(/swiftshader|software/i);
    await page.getByTestId('sample').click();
    await expect(page.getByTestId('completion')).toHaveCount(4);
    await expect(page.getByTestId('sample-stats')).toContainText('tokens/s');
    expect(consoleErrors).toEqual([]);
  });

  test('forcing webgpu runs the worker on WebGPU (SwiftShader) and a sample appears', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto('/?backend=webgpu');
    expect(await waitForBackend(page)).toBe('webgpu');
    await page.getByTestId('sample').click();
    await expect(page.getByTestId('completion').first()).toBeVisible({ timeout: 170_000 });
    expect(await page.getByTestId('completion').count()).toBe(4);
    await page.screenshot({ path: 'test-results/foundation-webgpu.png' });
    expect(consoleErrors).toEqual([]);
  });
});
