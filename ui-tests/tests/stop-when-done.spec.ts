/**
 * "Stop when done" in a real browser against the sandbox: armed while a cell sleeps, no stop
 * while it runs, the warning once it ends, the stop after the grace
 * (stop_when_done_grace_minutes is 0.1, 6 s, on the test server); "Keep running" cancels.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import * as path from 'path';
import { loadDemo, sandboxCalls, SCREENSHOTS } from './sandbox';

const ITEM = '.jp-CostWidget-autostop';
const DELETE_APP = 'sagemaker.DeleteApp';
const GRACE_MS = 6000;
const COMMAND = 'costwidget:stop-when-done';

async function idle(request: APIRequestContext): Promise<any> {
  const response = await request.get('/costwidget/api/idle');
  expect(response.ok()).toBe(true);
  return response.json();
}

async function deleteAppCalls(request: APIRequestContext): Promise<number> {
  return (await sandboxCalls(request))[DELETE_APP] ?? 0;
}

/** The first cell's prompt: "[*]:" while it runs, "[n]:" once it ran. */
async function prompt(page: IJupyterLabPageFixture): Promise<string> {
  return (
    await page.locator('.jp-Cell .jp-InputPrompt').first().innerText()
  ).trim();
}

/** The idle monitor sees a busy kernel. */
async function serverSeesBusyKernel(
  request: APIRequestContext
): Promise<boolean> {
  return (await idle(request)).blockers.some(
    (b: any) => b.kind === 'kernel' && b.detail.startsWith('busy')
  );
}

/** Arm through the palette command and its confirmation dialog. */
async function arm(page: IJupyterLabPageFixture): Promise<void> {
  const done = page.evaluate(command => {
    void window.jupyterapp.commands.execute(command);
  }, COMMAND);
  await done;
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('never reach the notebook file');
  await dialog.getByRole('button', { name: 'Stop when done' }).click();
}

test.describe('stop when done', () => {
  test.afterEach(async ({ request }) => {
    await request.post('/costwidget/api/idle/stop-when-done', {
      data: { armed: false }
    });
    await loadDemo(request);
  });

  test('no stop while the cell sleeps; the warning after it; the stop after the grace', async ({
    page,
    request
  }) => {
    const before = await deleteAppCalls(request);
    await page.notebook.createNew('when-done.ipynb');
    // A first, quick cell: jupyter_server watches a kernel's busy state on its own IOPub
    // subscription, which can miss the first status messages of a kernel that just started.
    await page.notebook.setCell(0, 'code', 'warm = 1');
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('notebook:run-cell');
    });
    await expect
      .poll(async () => prompt(page), { timeout: 60000 })
      .toBe('[1]:');
    // Long enough for a loaded machine: the server must see the kernel busy before arming.
    await page.notebook.setCell(0, 'code', 'import time\ntime.sleep(30)');
    // Run the cell without waiting for it to finish.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('notebook:run-cell');
    });
    await expect
      .poll(async () => prompt(page), { timeout: 30000 })
      .toBe('[*]:');
    // The server sees it too, before the stop is armed.
    await expect
      .poll(async () => serverSeesBusyKernel(request), {
        timeout: 30000,
        intervals: [500]
      })
      .toBe(true);

    await arm(page);
    await expect(page.locator(ITEM)).toHaveText('stops when done');
    expect((await idle(request)).stop_when_done).toEqual({
      armed: true,
      state: 'waiting',
      stops_at: null
    });
    await page
      .locator('#jp-main-statusbar')
      .screenshot({ path: path.join(SCREENSHOTS, 'stop-when-done.png') });

    // While the cell runs: never a stop.
    await expect
      .poll(
        async () => {
          expect(await deleteAppCalls(request)).toBe(before);
          return prompt(page);
        },
        { timeout: 50000, intervals: [500] }
      )
      .toBe('[2]:');
    const workEnded = Date.now();

    // The warning, with "Keep running", then the stop after the grace.
    await expect(
      page.locator('.Toastify__toast', { hasText: 'The work is done' })
    ).toBeVisible();
    await expect
      .poll(async () => deleteAppCalls(request), {
        timeout: 60000,
        intervals: [200]
      })
      .toBe(before + 1);
    const stopped = Date.now();
    // Both bounds: not before the grace (less one 1 s check and a poll), and soon after it.
    expect(stopped - workEnded).toBeGreaterThanOrEqual(GRACE_MS - 1500);
    expect(stopped - workEnded).toBeLessThanOrEqual(GRACE_MS + 15000);
    const status = await idle(request);
    expect(status.last_action.reason).toBe('when-done');
    expect(status.last_action.ok).toBe(true);
    expect(status.stop_when_done.armed).toBe(false);
  });

  test('"Keep running" on the warning cancels it', async ({
    page,
    request
  }) => {
    const before = await deleteAppCalls(request);
    await arm(page); // nothing runs: the warning comes at once
    const toast = page.locator('.Toastify__toast', {
      hasText: 'The work is done'
    });
    await expect(toast).toBeVisible();
    await toast
      .getByRole('button', { name: 'Keep running', exact: true })
      .click();
    await expect
      .poll(async () => (await idle(request)).stop_when_done.armed)
      .toBe(false);
    // Past the grace by several checks (one a second): still no stop.
    const checks = (await idle(request)).checks;
    await expect
      .poll(async () => (await idle(request)).checks, { timeout: 30000 })
      .toBeGreaterThan(checks + GRACE_MS / 1000 + 2);
    expect(await deleteAppCalls(request)).toBe(before);
    await expect(page.locator(ITEM)).not.toHaveText('stops when done');
  });
});
