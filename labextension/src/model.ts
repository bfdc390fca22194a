/**
 * The spend model: polls GET costwidget/api/spend and tells views when anything changed.
 *
 * One Poll per front-end: backoff on failure, standby while the tab is hidden, and requests
 * without activity tracking so the meter never keeps an idle server "active".
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { CostWidgetRequestError, requestAPI } from './request';
import { ISpendSnapshot, IStopResult } from './types';

/** Fetches one snapshot; `refresh` asks the server for a fresh (coalesced) scan. */
export type SpendFetcher = (refresh: boolean) => Promise<ISpendSnapshot>;
/** Asks the server to stop one resource. */
export type ResourceStopper = (id: string) => Promise<IStopResult>;

export const fetchSpendFromServer: SpendFetcher = refresh =>
  requestAPI<ISpendSnapshot>(
    refresh ? 'spend?refresh=1' : 'spend',
    {},
    { trackActivity: false }
  );

export const stopResourceOnServer: ResourceStopper = id =>
  requestAPI<IStopResult>('resources/stop', {
    method: 'POST',
    body: JSON.stringify({ id, confirm: true })
  });

export interface ISpendModelOptions {
  fetchSpend?: SpendFetcher;
  stopResource?: ResourceStopper;
  /** Poll interval in ms (default 30 s). */
  interval?: number;
  /** Start polling at once (default true; tests drive `update` themselves). */
  autoStart?: boolean;
  /** Clock, for tests. */
  now?: () => number;
}

export class SpendModel {
  constructor(options: ISpendModelOptions = {}) {
    this._fetch = options.fetchSpend ?? fetchSpendFromServer;
    this._stop = options.stopResource ?? stopResourceOnServer;
    this._now = options.now ?? (() => Date.now());
    const interval = options.interval ?? 30000;
    this._poll = new Poll({
      name: 'jupyter-costwidget:spend',
      auto: options.autoStart ?? true,
      factory: async () => {
        await this.update(false);
        if (this._error) {
          // Rethrow so the Poll backs off while the server or AWS is failing.
          throw this._error;
        }
      },
      frequency: { interval, backoff: true, max: Math.max(interval, 300000) },
      standby: 'when-hidden'
    });
  }

  /** Emitted after every fetch (success or failure) and on stops. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The latest snapshot received, kept when later fetches fail. */
  get snapshot(): ISpendSnapshot | null {
    return this._snapshot;
  }

  /** Why the last fetch failed, or null when it succeeded. */
  get error(): Error | null {
    return this._error;
  }

  /** True when the server extension is not there (the meter then says so). */
  get serverMissing(): boolean {
    return (
      this._error instanceof CostWidgetRequestError &&
      this._error.status === 404
    );
  }

  /**
   * Stale: the server says its data is stale (AWS failing), or the last fetch failed so the
   * snapshot shown is an old one.
   */
  get stale(): boolean {
    return !!this._snapshot && (this._snapshot.stale || this._error !== null);
  }

  /** Age of the snapshot in seconds, now (server age plus time since it was fetched). */
  get ageSeconds(): number | null {
    if (!this._snapshot || this._fetchedAt === null) {
      return null;
    }
    const atFetch = this._snapshot.age_seconds ?? 0;
    return atFetch + (this._now() - this._fetchedAt) / 1000;
  }

  /** Change the poll interval (ms), e.g. when the user edits the setting. */
  setInterval(interval: number): void {
    if (interval > 0 && interval !== this._poll.frequency.interval) {
      this._poll.frequency = {
        ...this._poll.frequency,
        interval,
        max: Math.max(interval, 300000)
      };
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Fetch once now; never throws (the error is kept in `error`). */
  async update(refresh = false): Promise<void> {
    try {
      const snapshot = await this._fetch(refresh);
      if (this._isDisposed) {
        return;
      }
      this._snapshot = snapshot;
      this._fetchedAt = this._now();
      this._error = null;
    } catch (reason) {
      if (this._isDisposed) {
        return;
      }
      this._error =
        reason instanceof Error ? reason : new Error(String(reason));
    }
    this._changed.emit();
  }

  /** Ask the server for a fresh scan and show it. */
  async refresh(): Promise<void> {
    await this.update(true);
  }

  /** Stop one resource, then show a fresh scan. Rejects with the server's reason. */
  async stop(id: string): Promise<IStopResult> {
    const result = await this._stop(id);
    await this.refresh();
    return result;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _fetch: SpendFetcher;
  private _stop: ResourceStopper;
  private _now: () => number;
  private _poll: Poll;
  private _snapshot: ISpendSnapshot | null = null;
  private _fetchedAt: number | null = null;
  private _error: Error | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
