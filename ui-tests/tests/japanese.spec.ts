/**
 * The Japanese UI: JupyterLab's display language set to 日本語 (the language pack from PyPI
 * and this package's catalogue, found through its `jupyterlab.locale` entry point).
 */
import { expect, galata, test } from '@jupyterlab/galata';
import * as path from 'path';
import { SCREENSHOTS, clearFaults, loadDemo } from './sandbox';

const ITEM = '.jp-CostWidget-status';
const PANEL = '#jp-costwidget-spend-panel';

// What Settings > Language > 日本語 stores. Galata's readiness check looks for a tab
// named "Launcher"; in Japanese it is "ランチャー".
test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    '@jupyterlab/translation-extension:plugin': { locale: 'ja_JP' }
  },
  waitForApplication: async ({}, use) => {
    await use(async (page, helpers) => {
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
      await helpers.waitForCondition(() =>
        helpers.activity.isTabActive('ランチャー')
      );
    });
  }
});

test.describe('in Japanese', () => {
  test.beforeAll(async ({ request }) => {
    await clearFaults(request);
    await loadDemo(request);
    expect((await request.get('/costwidget/api/spend?refresh=1')).ok()).toBe(
      true
    );
  });

  test('the status bar tooltip, the panel and the warnings read in Japanese', async ({
    page
  }) => {
    // JupyterLab itself is in Japanese: the language pack is loaded.
    await expect(
      page.locator('.lm-MenuBar-itemLabel', { hasText: 'ファイル' })
    ).toBeVisible();
    const item = page.locator(ITEM);
    await expect(item).toHaveAttribute(
      'title',
      /^SageMaker 利用料金\nこのアプリ: \$\d+\.\d\d\/時、これまで \$/
    );
    await expect(item).toHaveAttribute('title', /\nクリックで詳細。$/);

    await item.click();
    const panel = page.locator(PANEL);
    await expect(panel.locator('.jp-CostWidget-table')).toBeVisible();
    await expect(
      page.locator('.lm-TabBar-tab', { hasText: 'SageMaker 利用料金' })
    ).toBeVisible();
    await expect(panel.locator('th', { hasText: '所有者' })).toBeVisible();
    const warnings = panel.locator('.jp-CostWidget-warnings');
    await expect(warnings).toContainText('警告');
    // The server's warning, asked for in ja-JP, and the panel's explanation of it.
    await expect(warnings).toContainText('bob の Canvas が');
    await expect(warnings).toContainText(
      'ブラウザのタブを閉じても止まりません。'
    );
    // bob's resources have no Stop button for alice; the reason is in Japanese too.
    const bobsCanvas = panel.locator(
      'tr[data-resource-id="app:d-demo1/bob/Canvas/default"]'
    );
    await expect(bobsCanvas.locator('button')).toHaveCount(0);
    await expect(
      bobsCanvas.locator('.jp-CostWidget-not-stoppable')
    ).toHaveAttribute('title', /^default は自分のリソースではありません。/);

    // The one start notification sums up the warnings in Japanese.
    await expect
      .poll(async () => (await page.notifications).map(n => n.message))
      .toEqual([
        expect.stringMatching(
          /^忘れられているかもしれない課金が \d+ 件あります: bob の Canvas が/
        )
      ]);

    // The screenshot for the README, framed like panel.png.
    for (const close of await page
      .locator('.jp-Notification-Toast-Close')
      .all()) {
      await close.click();
    }
    await expect(page.locator('.jp-Notification-Toast-Close')).toHaveCount(0);
    // (Galata's sidebar helper goes through the English "View" menu.)
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('application:toggle-left-area')
    );
    await expect(page.locator('#jp-left-stack')).toBeHidden();
    await page
      .locator('.lm-TabBar-tab', { hasText: 'SageMaker 利用料金' })
      .click();
    await expect(panel).toBeVisible();
    await panel.evaluate(node => node.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'panel-ja.png') });
  });
});
