/**
 * After the browser tests: fail the run if either JupyterLab server logged an error
 * (start-servers.sh points UI_SERVER_ERRORS at server-errors.log; Playwright empties
 * test-results/ when it starts, so the file lives beside this one). Background work, such as the
 * idle monitor's checks, logs its exceptions instead of failing a request.
 */
const fs = require('fs');
const path = require('path');

const ERRORS = path.resolve(__dirname, 'server-errors.log');

module.exports = async () => {
  if (!fs.existsSync(ERRORS)) {
    return;
  }
  const logged = fs.readFileSync(ERRORS, 'utf-8').trim();
  if (logged) {
    throw new Error(`The JupyterLab servers logged errors:\n${logged}`);
  }
};
