import { test, expect, waitForBackend } from './fixtures';

test.describe('config panel and the URL', () => {
  test('settings come from the link, are validated inline, and go back into the link (never the key)', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto('/?backend=wasm&preset=tiny&set=rl.steps=5&set=rl.stepz=1');
    await waitForBackend(page);
    await expect(page.getByTestId('preset')).toHaveValue('tiny');
    await expect(page.getByTestId('field-rl.steps').locator('input')).toHaveValue('5');
    await expect(page.getByTestId('url-warnings')).toContainText('Unknown config key "rl.stepz"');
    // Live and restart fields are labelled.
    await expect(page.getByTestId('field-rl.lr')).toContainText('live');
    await expect(page.getByTestId('field-rl.questionsPerStep')).toContainText('restart');

    const lr = page.getByTestId('field-rl.lr').locator('input');
    await lr.fill('abc');
    await expect(page.getByTestId('field-rl.lr')).toContainText('"abc" is not a number.');
    await lr.fill('2');
    await expect(page.getByTestId('field-rl.lr')).toContainText('Out of range: 0 – 1.');
    await lr.fill('0.001');
    await expect(page.getByTestId('field-rl.lr').locator('[role="alert"]')).toHaveCount(0);
    await expect.poll(() => page.url()).toContain('set=rl.lr=0.001');
    expect(page.url()).toContain('set=rl.steps=5');
    expect(page.url()).toContain('backend=wasm');
    expect(page.url()).not.toContain('stepz');

    // Cross-field problems block Start with the reason.
    await page.locator('summary', { hasText: 'Model' }).click();
    await page.getByTestId('field-model.heads').locator('input').fill('3');
    await expect(page.getByTestId('config-error')).toContainText('does not divide model.dModel');
    await expect(page.getByTestId('start')).toBeDisabled();
    await page.getByTestId('field-model.heads').locator('input').fill('4');
    await expect(page.getByTestId('start')).toBeEnabled();

    // The HTTP teacher: a server preset fills URL and model; the key stays out of the link.
    await page.getByTestId('teacher-http').check();
    await page.getByTestId('teacher-server').selectOption('vLLM');
    await expect(page.getByTestId('field-teacher.baseURL').locator('input')).toHaveValue(
      'http://127.0.0.1:8000/v1',
    );
    await page.getByTestId('teacher-key').fill('sk-secret-123');
    await expect.poll(() => decodeURIComponent(page.url())).toContain('teacher.kind="http"');
    expect(page.url()).not.toContain('sk-secret');
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('sk-secret');

    // A shared link restores the setup.
    await page.goto(page.url());
    await waitForBackend(page);
    await expect(page.getByTestId('field-rl.lr').locator('input')).toHaveValue('0.001');
    await expect(page.getByTestId('teacher-http')).toBeChecked();
    await expect(page.getByTestId('teacher-key')).toHaveValue('');
    expect(consoleErrors).toEqual([]);
  });
});
