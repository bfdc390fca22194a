import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import { ISpendSnapshot, IStopResult } from './types';

/**
 * The spend model of this front-end, for other plugins of the extension (e.g. billed spend
 * reads the estimate from it instead of polling the server again).
 */
export interface ISpendModel {
  /** The latest snapshot received, kept when later fetches fail. */
  readonly snapshot: ISpendSnapshot | null;
  /** Why the last fetch failed, or null. */
  readonly error: Error | null;
  /** The server's data is stale, or the last fetch failed. */
  readonly stale: boolean;
  /** Emitted after every fetch and every new value. */
  readonly changed: ISignal<ISpendModel, void>;
  /** Ask the server for a fresh scan and show it. */
  refresh(): Promise<void>;
  /** Stop one resource, then show a fresh scan. */
  stop(id: string): Promise<IStopResult>;
}

export const ISpendModel = new Token<ISpendModel>(
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
