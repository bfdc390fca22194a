import { expect, test } from '@jupyterlab/galata';

/**
 * The demo scenario (jupyter_costwidget/sandbox/scenarios/demo.json) seen by its `me`, alice's
 * JupyterLab app in alice-space, Tokyo. "Mine" is worked out by hand from
 * data/pricing/sagemaker_prices.csv:
 *   ap-northeast-1,Studio-JupyterLab,ml.g5.xlarge,2.04,Hrs   her app            2.04 $/h
 *   ap-northeast-1,Hosting,ml.m5.xlarge,0.298,Hrs            churn-xgb, 2 x     0.596 $/h
 * = 2.636 $/h, shown as $2.64/h. Tokyo has no Studio-Storage or Hosting-Storage row: her
 * space's 50 GB and the endpoint's volumes are unpriced, so the figure is a lower bound (≥).
 * Bob's apps, the spot training job and the notebook instance are not hers.
 */
const MINE_PER_HOUR = 2.636;
const MINE_TEXT = '≥ $2.64/h';

test.describe('status bar item', () => {
  test('shows the hand-computed rate of "mine"', async ({ page }) => {
    const item = page.locator('.jp-CostWidget-status');
    await expect(item).toBeVisible();
    await expect(item).not.toContainText('server extension missing');
    const text = item.locator('[data-per-hour]');
    await expect(text).toHaveAttribute('data-per-hour', /\d/);
    const perHour = Number(await text.getAttribute('data-per-hour'));
    expect(perHour).toBeGreaterThan(MINE_PER_HOUR - 0.0005);
    expect(perHour).toBeLessThan(MINE_PER_HOUR + 0.0005);
    await expect(item).toContainText(MINE_TEXT);
  });
});
