import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { loadDemo, sandboxCalls, SANDBOX_URL } from './sandbox';

/**
 * A reader of the shared collector's snapshot: start-servers.sh runs a second JupyterLab
 * on the next port with c.CostWidget.snapshot_url = s3://costwidget-ui/team. Before the
 * collector has run, the meter is stale and the panel says the snapshot is missing; after
 * one `jupyter costwidget collect`, the reader shows alice's "mine" (2.636 $/h, worked out
 * in statusbar.spec.ts from data/pricing/sagemaker_prices.csv) without a SageMaker call of
 * its own.
 */
const READER_PORT = Number(process.env.UI_TEST_PORT || '8897') + 1;
const VENV_BIN = path.resolve(__dirname, '../../.venv/bin');
const MINE_PER_HOUR = 2.636;

test.use({ baseURL: `http://127.0.0.1:${READER_PORT}` });

function collect(): string {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'costwidget-collect-'));
  return execFileSync(
    path.join(VENV_BIN, 'jupyter-costwidget'),
    ['collect', '--bucket', 'costwidget-ui', '--prefix', 'team'],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_SESSION_TOKEN: 'testing',
        AWS_DEFAULT_REGION: 'ap-northeast-1',
        COSTWIDGET_REGION: 'ap-northeast-1',
        COSTWIDGET_ENDPOINT_URL: SANDBOX_URL,
        COSTWIDGET_STATE_DIR: state
      },
      encoding: 'utf-8'
    }
  );
}

function makeBucket(): void {
  execFileSync(
    path.join(VENV_BIN, 'python'),
    [
      '-c',
      'import sys; from jupyter_costwidget.sandbox.client import SandboxClient; ' +
        'SandboxClient(sys.argv[1]).shared_bucket("costwidget-ui")',
      SANDBOX_URL
    ],
    { env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' } }
  );
}

test('a reader shows the collector snapshot, stale until it exists', async ({
  page,
  request
}) => {
  // A fresh demo account (other specs stop things) empties the bucket too.
  await loadDemo(request);
  makeBucket();
  const item = page.locator('.jp-CostWidget-status');
  await expect(item).toBeVisible();
  await item.click();
  const panel = page.locator('.jp-CostWidget-panel');
  await expect(panel.locator('.jp-CostWidget-errors')).toContainText(
    'SnapshotMissing',
    { timeout: 30000 }
  );
  await expect(item).toHaveClass(/jp-CostWidget-stale/);

  expect(collect()).toContain('wrote');
  await expect(panel.locator('.jp-CostWidget-shared')).toContainText(
    'From the shared snapshot s3://costwidget-ui/team',
    { timeout: 30000 }
  );
  await expect(panel.locator('.jp-CostWidget-errors')).toHaveCount(0, {
    timeout: 30000
  });
  const text = item.locator('[data-per-hour]');
  await expect(text).toHaveAttribute('data-per-hour', /\d/);
  const perHour = Number(await text.getAttribute('data-per-hour'));
  expect(perHour).toBeGreaterThan(MINE_PER_HOUR - 0.0005);
  expect(perHour).toBeLessThan(MINE_PER_HOUR + 0.0005);
  await expect(item).not.toHaveClass(/jp-CostWidget-stale/);

  // The reader refreshes every 5 s: over 12 s it reads S3 and lists nothing in SageMaker.
  // (The other server, scanning itself, lists; the count is of the reader's S3 reads.)
  const before = await sandboxCalls(request);
  await page.waitForTimeout(12000);
  const after = await sandboxCalls(request);
  const reads = (after['s3.GetObject'] ?? 0) - (before['s3.GetObject'] ?? 0);
  expect(reads).toBeGreaterThanOrEqual(2);
  expect(reads).toBeLessThanOrEqual(4);
});

test('a reader shows its own stop until the collector has seen it', async ({
  page,
  request
}) => {
  await loadDemo(request);
  makeBucket();
  expect(collect()).toContain('wrote');
  const item = page.locator('.jp-CostWidget-status');
  await item.click();
  const panel = page.locator('.jp-CostWidget-panel');
  await expect(panel.locator('.jp-CostWidget-shared')).toContainText(
    'From the shared snapshot'
  );
  // One of alice's resources the reader may stop: its Stop goes through this server's role.
  const stop = panel.locator('button.jp-CostWidget-stop').first();
  await expect(stop).toBeVisible();
  const id = (await stop.getAttribute('data-resource-id')) ?? '';
  const row = panel.locator(`tr[data-resource-id="${id}"]`);
  await stop.click();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Stop it' })
    .click();
  // Stopping or Deleting, as the stop call leaves it; no second Stop; the tooltip says when.
  await expect(row.locator('td').nth(4)).toHaveText(/^(Stopping|Deleting)$/);
  await expect(row.getByRole('button', { name: 'Stop' })).toHaveCount(0);
  await expect(row.locator('.jp-CostWidget-not-stoppable')).toHaveAttribute(
    'title',
    /^A stop was sent at \d\d:\d\d:\d\d UTC;/
  );

  // The collector's next run has seen the stop: the reader shows what AWS says.
  expect(collect()).toContain('wrote');
  await expect(
    row.locator('.jp-CostWidget-not-stoppable[title^="A stop was sent"]')
  ).toHaveCount(0, { timeout: 30000 });
  await loadDemo(request);
});
