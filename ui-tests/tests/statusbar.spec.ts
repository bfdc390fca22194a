import { expect, test } from '@jupyterlab/galata';

test.describe('status bar item', () => {
  test('is visible and talks to the server extension', async ({ page }) => {
    const item = page.locator('.jp-CostWidget-status');
    await expect(item).toBeVisible();
    // The item never stays in its initial placeholder and never reports a missing extension.
    await expect(item).not.toHaveText('…');
    await expect(item).not.toContainText('server extension missing');
  });
});
