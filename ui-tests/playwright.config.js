/**
 * Galata's base configuration, run against Debian's chromium (Playwright's own browser
 * download is not possible here) and a JupyterLab wired to the local AWS sandbox.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.UI_TEST_PORT || '8897';
const sandboxPort = process.env.UI_SANDBOX_PORT || '5123';

module.exports = {
  ...baseConfig,
  timeout: 120000,
  expect: { timeout: 20000 },
  retries: 0,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never' }]],
  globalTeardown: require.resolve('./global-teardown.js'),
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${port}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: 'bash ./start-servers.sh',
    url: `http://127.0.0.1:${port}/lab`,
    timeout: 180 * 1000,
    reuseExistingServer: !process.env.CI,
    env: {
      ...process.env,
      UI_TEST_PORT: port,
      UI_SANDBOX_PORT: sandboxPort
    }
  }
};
