/**
 * The status bar meter, the spend panel, stop buttons and warnings in a real browser, against
 * the sandbox running the demo scenario.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import {
  SANDBOX_URL,
  SCREENSHOTS,
  sandboxCalls,
  loadDemo,
  clearFaults
} from './sandbox';

const ITEM = '.jp-CostWidget-status';
const ITEM_TEXT = '.jp-CostWidget-status-text';
const PANEL = '#jp-costwidget-spend-panel';

async function spend(request: APIRequestContext, refresh = true) {
  const response = await request.get(
    `/costwidget/api/spend${refresh ? '?refresh=1' : ''}`
  );
  expect(response.ok()).toBe(true);
  return response.json();
}

/** Put the sandbox back to the demo scenario and make the server rescan it. */
async function restoreDemo(request: APIRequestContext): Promise<void> {
  await clearFaults(request);
  await loadDemo(request);
  await spend(request);
}

async function meterShowsData(page: IJupyterLabPageFixture): Promise<void> {
  await expect(page.locator(ITEM_TEXT)).toHaveText(/\$\d+\.\d\d\/h/);
}

async function openPanel(page: IJupyterLabPageFixture) {
  await page.locator(ITEM).click();
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();
  await expect(panel.locator('.jp-CostWidget-table')).toBeVisible();
  return panel;
}

test.describe.configure({ mode: 'serial' });

test.describe('spend meter and panel', () => {
  test.beforeAll(async ({ request }) => {
    await restoreDemo(request);
  });

  test.afterEach(async ({ request }) => {
    await restoreDemo(request);
  });

  test('status bar shows the same mine rate as the API', async ({
    page,
    request
  }) => {
    const snap = await spend(request, false);
    const perHour: number = snap.totals.mine.per_hour;
    // By hand (statusbar.spec.ts): Studio-JupyterLab ml.g5.xlarge 2.04 + 2 x Hosting
    // ml.m5.xlarge 0.298 = 2.636 $/h in ap-northeast-1.
    expect(perHour).toBeCloseTo(2.636, 3);
    const unpriced = snap.totals.mine.unpriced > 0 ? '≥ ' : '';
    const expected = `${unpriced}$${perHour.toFixed(2)}/h`;
    await expect(page.locator(ITEM_TEXT)).toHaveText(
      new RegExp(`^${expected.replace(/[$.]/g, '\\$&')} · `)
    );
    await expect(page.locator(ITEM)).not.toHaveClass(/jp-CostWidget-stale/);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page
      .locator('#jp-main-statusbar')
      .screenshot({ path: path.join(SCREENSHOTS, 'statusbar.png') });
  });

  test('the panel lists every resource of the scenario', async ({
    page,
    request
  }) => {
    const snap = await spend(request);
    const panel = await openPanel(page);
    const ids: string[] = snap.resources.map((r: { id: string }) => r.id);
    // Everything the demo scenario bills (the Deleted app does not).
    const names = [
      'churn-xgb',
      'faq-bot',
      'bert-ft',
      'legacy-nb',
      'datascience-ml-m5-large'
    ];
    for (const name of names) {
      await expect(
        panel.locator('.jp-CostWidget-table td.jp-CostWidget-name', {
          hasText: name
        })
      ).toHaveCount(1);
    }
    expect(ids).toEqual(
      expect.arrayContaining([
        'app:d-demo1/alice-space/JupyterLab/default',
        'app:d-demo1/bob/KernelGateway/datascience-ml-m5-large',
        'app:d-demo1/bob/Canvas/default',
        'space-storage:d-demo1/alice-space',
        'space-storage:d-demo1/bob-space',
        'endpoint:churn-xgb',
        'endpoint:faq-bot',
        'training-job:bert-ft',
        'notebook-instance:legacy-nb'
      ])
    );
    expect(ids.filter(id => id.startsWith('efs:'))).toHaveLength(2);
    for (const id of ids) {
      await expect(panel.locator(`tr[data-resource-id="${id}"]`)).toBeVisible();
    }
    await expect(panel.locator('tbody tr[data-resource-id]')).toHaveCount(
      ids.length
    );
    // Filtering by scope "mine" keeps only this user's resources.
    await panel.locator('select.jp-CostWidget-scope').selectOption('mine');
    const mine = snap.resources.filter((r: { scopes: string[] }) =>
      r.scopes.includes('mine')
    );
    await expect(panel.locator('tbody tr[data-resource-id]')).toHaveCount(
      mine.length
    );
    await panel.locator('select.jp-CostWidget-scope').selectOption('all');
    await expect(panel.locator('.jp-CostWidget-warnings')).toContainText(
      'Canvas'
    );
    // The screenshot for the README: the whole window, toasts closed, panel at the top.
    for (const close of await page
      .locator('.jp-Notification-Toast-Close')
      .all()) {
      await close.click();
    }
    await expect(page.locator('.jp-Notification-Toast-Close')).toHaveCount(0);
    await page.sidebar.close('left');
    await page
      .locator('.lm-TabBar-tab', { hasText: 'SageMaker spend' })
      .click();
    await expect(panel).toBeVisible();
    await panel.evaluate(node => node.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'panel.png') });
  });

  test('opening JupyterLab shows exactly one notification, summing up the warnings', async ({
    page
  }) => {
    await meterShowsData(page);
    const summary = page.locator('.jp-Notification-Toast-warning', {
      hasText: 'things are billing that may be forgotten'
    });
    await expect(summary).toHaveCount(1);
    await expect(summary).toContainText('Canvas');
    // A later snapshot adds nothing: the warnings were told, the daily summary waits its
    // minute after start.
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('costwidget:refresh-spend')
    );
    const messages = (await page.notifications).map(n => n.message);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^\d+ things are billing that may be forgotten: /
    );
  });

  test('the Canvas warning toast appears once', async ({ page }) => {
    const canvasToasts = async () =>
      (await page.notifications).filter(n => /Canvas/.test(n.message));
    await expect.poll(async () => (await canvasToasts()).length).toBe(1);
    await expect(
      page.locator('.jp-Notification-Toast-warning', { hasText: 'Canvas' })
    ).toHaveCount(1);
    // "Show" opens the panel.
    await page
      .locator('.jp-Notification-Toast-warning', { hasText: 'Canvas' })
      .getByRole('button', { name: 'Show' })
      .click();
    await expect(page.locator(PANEL)).toBeVisible();

    // Reload: the model fetches again (the notifier runs in the same signal emission that
    // renders the meter), and the toast is not repeated.
    await page.reload();
    await page.waitForSelector(ITEM);
    await meterShowsData(page);
    expect(await canvasToasts()).toHaveLength(0);
  });

  test('stopping an endpoint through the confirm dialog deletes it', async ({
    page,
    request
  }) => {
    await spend(request);
    expect(
      (await request.post(`${SANDBOX_URL}/_sandbox/calls/reset`)).ok()
    ).toBe(true);
    const panel = await openPanel(page);
    const row = panel.locator('tr[data-resource-id="endpoint:churn-xgb"]');
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: 'Stop' }).click();

    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('churn-xgb');
    await expect(dialog).toContainText(/\$\d+\.\d\d\/h/);
    await expect(dialog).toContainText('DeleteEndpoint');
    await dialog.getByRole('button', { name: 'Stop it' }).click();

    await expect(panel.locator('.jp-CostWidget-action-status')).toContainText(
      'sagemaker.DeleteEndpoint'
    );
    expect((await sandboxCalls(request))['sagemaker.DeleteEndpoint']).toBe(1);
    await expect(row).toHaveCount(0);
    await expect(
      panel.locator('tr[data-resource-id="endpoint:faq-bot"]')
    ).toBeVisible();
  });

  test("no Stop button on bob's resources for alice, and the reason says why", async ({
    page
  }) => {
    const panel = await openPanel(page);
    const canvas = panel.locator(
      'tr[data-resource-id="app:d-demo1/bob/Canvas/default"]'
    );
    await expect(canvas).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'Stop' })).toHaveCount(0);
    await expect(
      canvas.locator('.jp-CostWidget-not-stoppable')
    ).toHaveAttribute('title', /is not yours.*allow_stop/);
    // Her own endpoint keeps its button.
    const own = panel.locator('tr[data-resource-id="endpoint:churn-xgb"]');
    await expect(own.getByRole('button', { name: 'Stop' })).toHaveCount(1);
  });

  test('sandbox failures: the meter shows stale, the panel the error and hint', async ({
    page,
    request
  }) => {
    await meterShowsData(page);
    const panel = await openPanel(page);
    const fault = await request.post(`${SANDBOX_URL}/_sandbox/faults`, {
      data: {
        error: {
          operation: 'sagemaker.ListEndpoints',
          status: 500,
          count: 1000
        }
      }
    });
    expect(fault.ok()).toBe(true);
    await panel.getByRole('button', { name: 'Refresh' }).click();

    await expect(page.locator(ITEM)).toHaveClass(/jp-CostWidget-stale/);
    // A fresh snapshot with a failing source says "stale"; an old one "as of N min ago".
    await expect(page.locator('.jp-CostWidget-status-age')).toHaveText(
      /^(stale|as of .+ ago)$/
    );
    // This region's (the fault also fails the other region's scan, listed as such).
    const error = panel.locator('.jp-CostWidget-error', {
      hasText: /^sagemaker\.ListEndpoints/
    });
    await expect(error).toBeVisible();
    await expect(error.locator('.jp-CostWidget-hint')).not.toBeEmpty();
    // Known data stays on screen (the last good endpoints, marked stale).
    await expect(
      panel.locator('tr[data-resource-id="endpoint:churn-xgb"]')
    ).toBeVisible();
    await page
      .locator('#jp-main-statusbar')
      .screenshot({ path: path.join(SCREENSHOTS, 'statusbar-stale.png') });
  });
});
