/**
 * Billed spend in a real browser: the spend panel shows billed (Cost Explorer via
 * the server) next to estimated now, and budgets with progress bars; the status bar tooltip
 * has the month to date; the daily summary toast appears once.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import * as path from 'path';
import {
  clearFaults,
  DEMO,
  loadDemo,
  SCREENSHOTS,
  sandboxCalls
} from './sandbox';

const PANEL = '#jp-costwidget-spend-panel';
const BILLING = `${PANEL} .jp-CostWidget-billing`;

function usd(amount: number): string {
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD'
  }).format(amount);
}

async function billing(request: APIRequestContext) {
  const response = await request.get('/costwidget/api/billing');
  expect(response.ok()).toBe(true);
  return response.json();
}

test.describe.configure({ mode: 'serial' });

// The daily summary shows at once here (by default it waits a minute after start).
test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    'jupyter-costwidget:plugin': { dailySummaryDelaySeconds: 0 }
  }
});

test.describe('billed spend', () => {
  test.beforeAll(async ({ request }) => {
    await clearFaults(request);
    await loadDemo(request);
  });

  test('the panel shows billed vs estimated and budget bars', async ({
    page,
    request
  }) => {
    const api = await billing(request);
    expect(api.enabled).toBe(true);
    expect(api.month_to_date).toBeCloseTo(DEMO.billing.month_to_date, 2);
    // alice: her user profile's and her space's tagged cost in the demo's by_tag.
    expect(api.mine.month_to_date).toBeCloseTo(128.4 + 214.2, 2);

    await page.locator('.jp-CostWidget-status').click();
    const section = page.locator(BILLING);
    await expect(section).toBeVisible();
    await expect(section).toContainText('billed (up to a day late)');
    await expect(section).toContainText('estimated now');
    await expect(section.locator('.jp-CostWidget-billed-mtd')).toHaveText(
      usd(api.month_to_date)
    );
    // The demo's billing block: month_to_date 1286.4.
    await expect(section.locator('.jp-CostWidget-billed-mtd')).toHaveText(
      '$1,286.40'
    );
    await expect(section.locator('.jp-CostWidget-billed-forecast')).toHaveText(
      usd(DEMO.billing.forecast)
    );
    // The demo's cost allocation tags are active: alice's share is shown.
    await expect(section.locator('.jp-CostWidget-billed-mine')).toHaveText(
      usd(api.mine.month_to_date)
    );
    await expect(section.locator('.jp-CostWidget-billed-mine')).toHaveText(
      '$342.60' // 128.4 + 214.2
    );
    // Estimated now: the spend engine's mine rate (the same figure as GET /spend).
    const spend = await (await request.get('/costwidget/api/spend')).json();
    await expect(
      section.locator('.jp-CostWidget-estimated-mine')
    ).toContainText(`${usd(spend.totals.mine.per_hour)}/h`);
    await expect(
      section.locator('.jp-CostWidget-estimated-mine')
    ).toContainText('$2.64/h'); // 2.04 + 2 x 0.298, statusbar.spec.ts

    // Budgets covering SageMaker (the S3-only budget of the demo is left out), as bars.
    const covering = DEMO.billing.budgets.filter(
      (b: { services?: string[] }) =>
        !b.services || b.services.includes('Amazon SageMaker')
    );
    const bars = section.locator('[role="progressbar"]');
    await expect(bars).toHaveCount(covering.length);
    const platform = section.locator(
      '[data-budget="ml-platform"] [role="progressbar"]'
    );
    const expected = Math.round(
      (100 * DEMO.billing.budgets[0].actual) / DEMO.billing.budgets[0].limit
    );
    await expect(platform).toHaveAttribute('aria-valuenow', String(expected));
    await expect(
      platform.locator('.jp-CostWidget-budget-fill')
    ).toHaveAttribute('style', new RegExp(`width: ${expected}`));

    // The status bar tooltip has the month to date.
    await expect
      .poll(async () =>
        page.locator('.jp-CostWidget-status').getAttribute('title')
      )
      .toContain(
        `Billed this month (up to a day late): ${usd(api.month_to_date)}`
      );

    // The once-a-day summary.
    await expect(
      page.locator('.Toastify__toast', { hasText: 'SageMaker yesterday:' })
    ).toHaveCount(1);

    for (const close of await page
      .locator('.jp-Notification-Toast-Close')
      .all()) {
      await close.click();
    }
    await expect(page.locator('.jp-Notification-Toast-Close')).toHaveCount(0);
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: path.join(SCREENSHOTS, 'billing.png') });
  });

  test('reloading does not ask Cost Explorer again or repeat the summary', async ({
    page,
    request
  }) => {
    // A fresh browser context: the summary shows once on this load...
    const summary = page.locator('.Toastify__toast', {
      hasText: 'SageMaker yesterday:'
    });
    await expect(summary).toHaveCount(1);
    const before = await sandboxCalls(request);
    await page.reload();
    await page.locator('.jp-CostWidget-status').click();
    await expect(
      page.locator(`${BILLING} .jp-CostWidget-billed-mtd`)
    ).toHaveText(usd(DEMO.billing.month_to_date));
    const after = await sandboxCalls(request);
    for (const op of Object.keys(after).filter(k => k.startsWith('ce.'))) {
      expect(after[op]).toBe(before[op]);
    }
    // ...and not again after the reload (the shown date is in localStorage).
    await expect(summary).toHaveCount(0);
  });
});
