import { Token } from '@lumino/coreutils';

import { SpendModel } from './model';

/**
 * The spend model of this front-end, for other plugins of the extension (e.g. idle auto-stop
 * reads the context from it instead of polling the server again).
 */
export const ISpendModel = new Token<SpendModel>(
  'jupyter-costwidget:ISpendModel',
  'The live SageMaker spend model (latest /spend snapshot and its changes).'
);

/** Command ids. */
export const CommandIDs = {
  showSpend: 'costwidget:show-spend',
  refreshSpend: 'costwidget:refresh-spend'
};

/** Status bar ranks: the meter, then room for the auto-stop item next to it. */
export const STATUS_RANK = { meter: 10, autoStop: 11 };
