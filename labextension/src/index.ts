/**
 * The extension's front-end plugins. Each feature lives in its own module and is listed here.
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { billingPlugin } from './billing/plugin';
import { idlePlugin } from './idle';
import { spendPlugin } from './spend/plugin';

export { ISpendModel } from './tokens';

const plugins: JupyterFrontEndPlugin<any>[] = [
  spendPlugin,
  idlePlugin,
  billingPlugin
];

export default plugins;
