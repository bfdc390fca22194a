/**
 * Idle auto-stop in a real browser against the sandbox: unsaved work is
 * saved before the stop call, a failed save cancels the stop, the countdown and "Keep running".
 *
 * Auto-stop is off on the test server; each test turns it on through the API with a timeout
 * of seconds (jupyter_server_test_config.py lowers idle_min_minutes) and off again at the end,
 * and puts the sandbox back to the demo scenario (the stop deletes the demo's app).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import { sandboxCalls, loadDemo } from './sandbox';

const ITEM = '.jp-CostWidget-autostop';
const DELETE_APP = 'sagemaker.DeleteApp';

async function idle(request: APIRequestContext): Promise<any> {
  const response = await request.get('/costwidget/api/idle');
  expect(response.ok()).toBe(true);
  return response.json();
}

async function setIdle(
  request: APIRequestContext,
  body: { enabled: boolean; timeout_minutes?: number }
): Promise<void> {
  const response = await request.put('/costwidget/api/idle', { data: body });
  expect(response.ok(), await response.text()).toBe(true);
}

async function restore(request: APIRequestContext): Promise<void> {
  await setIdle(request, { enabled: false, timeout_minutes: 60 });
  await loadDemo(request);
}

/** A notebook with an edit that is not saved yet (the typed text is not on disk). */
async function notebookWithUnsavedEdit(
  page: IJupyterLabPageFixture,
  name: string,
  marker: string
): Promise<void> {
  await page.notebook.createNew(name);
  await page.notebook.setCell(0, 'code', `print("${marker}")`);
  await expect(page.locator('.jp-mod-dirty').first()).toBeVisible();
}

async function diskContent(
  request: APIRequestContext,
  filePath: string
): Promise<string> {
  const response = await request.get(`/api/contents/${filePath}?content=1`);
  expect(response.ok()).toBe(true);
  return JSON.stringify((await response.json()).content);
}

test.describe('idle auto-stop', () => {
  test.afterEach(async ({ request }) => {
    await restore(request);
  });

  test('saves the unsaved notebook before the stop call', async ({
    page,
    request,
    tmpPath
  }) => {
    const marker = `saved-before-stop-${Date.now()}`;
    const file = 'idle-save.ipynb';
    await notebookWithUnsavedEdit(page, file, marker);
    expect(await diskContent(request, `${tmpPath}/${file}`)).not.toContain(
      marker
    );
    const before = (await sandboxCalls(request))[DELETE_APP] ?? 0;
    await setIdle(request, { enabled: true, timeout_minutes: 0.1 });

    // Watch closely: the moment the stop call shows up, the edit must be on disk already.
    let contentAtStop = '';
    await expect
      .poll(
        async () => {
          const calls = (await sandboxCalls(request))[DELETE_APP] ?? 0;
          if (calls > before) {
            contentAtStop = await diskContent(request, `${tmpPath}/${file}`);
            return true;
          }
          return false;
        },
        { timeout: 90000, intervals: [200] }
      )
      .toBe(true);
    expect(contentAtStop).toContain(marker);
    const status = await idle(request);
    expect(status.last_action.ok).toBe(true);
    expect(status.last_action.summary).toContain('deleted app');
    await expect(page.locator('.jp-mod-dirty')).toHaveCount(0);
  });

  test('a front-end that fails to save cancels the stop', async ({
    page,
    request,
    context
  }) => {
    const file = 'idle-fail.ipynb';
    await notebookWithUnsavedEdit(page, file, 'cannot-save');
    // This browser's saves fail (as a full disk or a lost connection would).
    await page.route(`**/api/contents/**${file}*`, route =>
      route.request().method() === 'PUT'
        ? route.fulfill({
            status: 500,
            contentType: 'application/json',
            body: JSON.stringify({ message: 'disk full (simulated)' })
          })
        : route.continue()
    );
    const before = (await sandboxCalls(request))[DELETE_APP] ?? 0;
    await setIdle(request, { enabled: true, timeout_minutes: 0.1 });

    await expect
      .poll(async () => (await idle(request)).last_action?.cancelled ?? false, {
        timeout: 90000,
        intervals: [500]
      })
      .toBe(true);
    const status = await idle(request);
    expect(status.last_action.ok).toBe(false);
    expect(status.last_action.message).toContain(file);
    expect((await sandboxCalls(request))[DELETE_APP] ?? 0).toBe(before);
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Auto-stop cancelled' })
    ).toBeVisible();

    // A tab opened later is not told of a stop cancelled before it opened.
    await setIdle(request, { enabled: false });
    const later = await context.newPage();
    await later.goto('lab');
    await expect(later.locator(ITEM)).toHaveText('auto-stop off', {
      timeout: 60000
    });
    expect((await idle(request)).last_action.cancelled).toBe(true);
    // The toast would follow the first status at once; look once, a few seconds later (a
    // retrying assertion would pass when the toast closes itself).
    await later.waitForTimeout(3000);
    const told = await later
      .locator('.Toastify__toast', { hasText: 'Auto-stop' })
      .allInnerTexts();
    expect(told).toEqual([]);
    await later.close();
  });

  test('a silent tab with an unsaved notebook holds the stop until the maximum', async ({
    page,
    request,
    context
  }) => {
    const file = 'idle-silent.ipynb';
    await notebookWithUnsavedEdit(page, file, 'unsaved-when-silent');
    // The tab reports the unsaved notebook with its polls.
    await expect
      .poll(
        async () =>
          (await idle(request)).unsaved.some((u: any) =>
            u.documents.some((d: string) => d.endsWith(file))
          ),
        { timeout: 30000 }
      )
      .toBe(true);
    // The laptop closes: the tab can no longer reach the server (no pagehide, no goodbye).
    await context.setOffline(true);
    // After idle_client_ttl_seconds (20 s) the tab is silent, and its unsaved work holds.
    await expect
      .poll(
        async () =>
          (await idle(request)).blockers.some((b: any) => b.kind === 'unsaved'),
        { timeout: 40000, intervals: [500] }
      )
      .toBe(true);
    const before = (await sandboxCalls(request))[DELETE_APP] ?? 0;
    await setIdle(request, { enabled: true, timeout_minutes: 0.05 });
    const status = await idle(request);
    const lastSeen = Date.parse(
      status.unsaved.find((u: any) =>
        u.documents.some((d: string) => d.endsWith(file))
      ).last_seen
    );
    const maxMs = 0.008 * 3600 * 1000; // idle_unsaved_max_hours on the test server
    // No stop while the hold lasts, although the 3 s idle timeout has long passed.
    let stoppedAt = 0;
    await expect
      .poll(
        async () => {
          if (((await sandboxCalls(request))[DELETE_APP] ?? 0) > before) {
            stoppedAt = Date.now();
            return true;
          }
          return false;
        },
        { timeout: 60000, intervals: [250] }
      )
      .toBe(true);
    // Both bounds: not before the maximum, and soon after it (1 s checks, slack for CI).
    expect(stoppedAt - lastSeen).toBeGreaterThanOrEqual(maxMs);
    expect(stoppedAt - lastSeen).toBeLessThanOrEqual(maxMs + 5000);
    await context.setOffline(false);
  });

  test('shows the countdown and "Keep running" restarts the clock', async ({
    page,
    request
  }) => {
    const before = (await sandboxCalls(request))[DELETE_APP] ?? 0;
    await expect(page.locator(ITEM)).toHaveText('auto-stop off');
    // 0.5 min timeout, 0.2 min warning: the countdown starts after ~18 idle seconds.
    await setIdle(request, { enabled: true, timeout_minutes: 0.5 });
    await expect(page.locator(ITEM)).toHaveText(/auto-stop in \d+ s/, {
      timeout: 60000
    });
    const toast = page.locator('.Toastify__toast', {
      hasText: 'stops in'
    });
    await expect(toast).toBeVisible();
    await toast
      .getByRole('button', { name: 'Keep running', exact: true })
      .click();
    // Back to the plain item, the server's idle clock restarted, nothing stopped.
    await expect(page.locator(ITEM)).toHaveText('auto-stop 30s');
    const status = await idle(request);
    expect(status.idle_seconds).toBeLessThan(6);
    expect(['idle', 'active']).toContain(status.state);
    expect((await sandboxCalls(request))[DELETE_APP] ?? 0).toBe(before);
    await setIdle(request, { enabled: false });
    await expect(page.locator(ITEM)).toHaveText('auto-stop off');
  });
});

test.describe('auto-stop dialog', () => {
  test.afterEach(async ({ request }) => {
    await setIdle(request, { enabled: false, timeout_minutes: 60 });
  });

  test('lists why the server is not idle and applies the settings', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('idle-dialog.ipynb');
    // The notebook's kernel starts after the panel opens; the dialog shows a snapshot.
    await expect
      .poll(
        async () =>
          (await idle(request)).blockers.some((b: any) => b.kind === 'kernel'),
        { timeout: 30000 }
      )
      .toBe(true);
    await page.locator(ITEM).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Why not idle?');
    await expect(
      dialog.locator('[data-testid="autostop-blockers"] li', {
        hasText: 'python3'
      })
    ).toBeVisible();
    await dialog.locator('[data-testid="autostop-enabled"]').check();
    await dialog.locator('[data-testid="autostop-timeout"]').fill('45');
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await expect(page.locator(ITEM)).toHaveText('auto-stop 45m');
    const status = await idle(request);
    expect(status.enabled).toBe(true);
    expect(status.timeout_minutes).toBe(45);
  });
});
