/**
 * MLflow tracking servers, HyperPod clusters and partner apps in the panel, and another
 * region of the account (c.CostWidget.regions = ['us-east-1'] in the test server's config):
 * the demo scenario plus one of each.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import {
  DEMO,
  SANDBOX_URL,
  clearFaults,
  loadDemo,
  sandboxCalls
} from './sandbox';

const PANEL = '#jp-costwidget-spend-panel';
const ALICE = DEMO.endpoints[0].tags['sagemaker:user-profile-arn'];
const SCENARIO = {
  ...DEMO,
  mlflow_tracking_servers: [
    {
      name: 'exp-tracking',
      size: 'Medium',
      age: '3d',
      tags: { 'sagemaker:user-profile-arn': ALICE }
    }
  ],
  hyperpod_clusters: [
    {
      name: 'llm-train',
      age: '20h',
      tags: { 'sagemaker:user-profile-arn': ALICE },
      groups: [
        { name: 'controller', instance: 'ml.m5.xlarge', count: 1 },
        { name: 'workers', instance: 'ml.p5.48xlarge', count: 4 }
      ]
    }
  ],
  partner_apps: [
    { name: 'comet-team', type: 'comet', tier: 'small', age: '2d' }
  ],
  other_regions: {
    'us-east-1': {
      domains: [
        {
          id: 'd-virginia1',
          name: 'tryout',
          user_profiles: ['alice'],
          apps: [
            { type: 'Canvas', user: 'alice', status: 'InService', age: '5d' }
          ]
        }
      ],
      endpoints: [
        {
          name: 'virginia-ep',
          age: '2d',
          invocations_24h: 10,
          variants: [{ instance: 'ml.m5.xlarge', count: 1 }]
        }
      ]
    }
  }
};

async function loadScenario(request: APIRequestContext): Promise<void> {
  const loaded = await request.post(`${SANDBOX_URL}/_sandbox/scenario`, {
    data: SCENARIO
  });
  expect(loaded.ok()).toBe(true);
  // The other region is rescanned every 10 s (jupyter_server_test_config.py).
  await expect
    .poll(
      async () => {
        const response = await request.get('/costwidget/api/spend?refresh=1');
        const snapshot = await response.json();
        return snapshot.resources.some(
          (r: { id: string }) => r.id === 'endpoint:virginia-ep'
        );
      },
      { timeout: 30000 }
    )
    .toBe(true);
}

async function openPanel(page: IJupyterLabPageFixture) {
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('costwidget:show-spend')
  );
  const panel = page.locator(PANEL);
  await expect(panel.locator('.jp-CostWidget-table')).toBeVisible();
  return panel;
}

test.describe.configure({ mode: 'serial' });

test.describe('hourly services and other regions', () => {
  test.beforeEach(async ({ request }) => {
    await clearFaults(request);
    await loadScenario(request);
  });

  test.afterAll(async ({ request }) => {
    await loadDemo(request);
    expect((await request.get('/costwidget/api/spend?refresh=1')).ok()).toBe(
      true
    );
  });

  test('stopping a tracking server from the panel calls StopMlflowTrackingServer', async ({
    page,
    request
  }) => {
    const panel = await openPanel(page);
    const row = panel.locator(
      'tr[data-resource-id="mlflow-tracking-server:exp-tracking"]'
    );
    await expect(row).toContainText('MLflow tracking server');
    expect(
      (await request.post(`${SANDBOX_URL}/_sandbox/calls/reset`)).ok()
    ).toBe(true);
    await row.getByRole('button', { name: 'Stop' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('StopMlflowTrackingServer');
    await dialog.getByRole('button', { name: 'Stop it' }).click();
    await expect(panel.locator('.jp-CostWidget-action-status')).toContainText(
      'sagemaker.StopMlflowTrackingServer'
    );
    expect(
      (await sandboxCalls(request))['sagemaker.StopMlflowTrackingServer']
    ).toBe(1);
    await expect(row).toHaveCount(0);
  });

  test('deleting a cluster needs the confirmation, which says what it deletes', async ({
    page,
    request
  }) => {
    const panel = await openPanel(page);
    const row = panel.locator(
      'tr[data-resource-id="hyperpod-cluster:llm-train"]'
    );
    await expect(row).toContainText('HyperPod cluster');
    await expect(row).toContainText('ml.m5.xlarge, ml.p5.48xlarge');
    expect(
      (await request.post(`${SANDBOX_URL}/_sandbox/calls/reset`)).ok()
    ).toBe(true);
    await row.getByRole('button', { name: 'Stop' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('DeleteCluster');
    await expect(dialog).toContainText(
      'every instance of every instance group'
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    expect((await sandboxCalls(request))['sagemaker.DeleteCluster']).toBe(
      undefined
    );
    await expect(row).toBeVisible();
  });

  test('another region is grouped, named in a warning, and counted in the badge', async ({
    page
  }) => {
    const panel = await openPanel(page);
    const group = panel.locator('tbody[data-region="us-east-1"]');
    await expect(group).toContainText('In us-east-1 (another region');
    await expect(
      group.locator(
        'tr[data-resource-id="app:d-virginia1/alice/Canvas/default"]'
      )
    ).toBeVisible();
    await expect(
      group.locator('tr[data-resource-id="endpoint:virginia-ep"]')
    ).toBeVisible();
    // Not stopped from here: no button, and the tooltip says where to stop it.
    await expect(group.getByRole('button', { name: 'Stop' })).toHaveCount(0);
    await expect(
      group.locator('.jp-CostWidget-not-stoppable').first()
    ).toHaveAttribute('title', /runs in us-east-1/);
    await expect(panel.locator('.jp-CostWidget-warnings')).toContainText(
      /2 resources bill \$\d+\.\d\d\/h in us-east-1, outside this region \(ap-northeast-1\)/
    );
    // The status bar stays about this region and "mine"; the badge counts the warning.
    const snapshot = await page.evaluate(async () => {
      const response = await fetch('/costwidget/api/spend');
      return response.json();
    });
    const critical = snapshot.warnings.filter(
      (w: { severity: string }) => w.severity === 'critical'
    ).length;
    expect(
      snapshot.warnings.some((w: { code: string }) => w.code === 'other-region')
    ).toBe(true);
    await expect(page.locator('.jp-CostWidget-badge')).toHaveText(
      String(critical)
    );
  });
});
