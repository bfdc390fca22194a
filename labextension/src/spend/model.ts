/**
 * The spend model: polls GET costwidget/api/spend and tells views when anything changed.
 *
 * One Poll per front-end: backoff on failure, standby while the tab is hidden, and requests
 * without activity tracking so the meter never keeps an idle server "active".
 */
import { PolledValue } from '../polled';
import { CostWidgetRequestError, requestAPI } from '../api/request';
import { ISpendSnapshot, IStopResult } from '../types';

/** Fetches one snapshot; `refresh` asks the server for a fresh (coalesced) scan. */
export type SpendFetcher = (refresh: boolean) => Promise<ISpendSnapshot>;
/** Asks the server to stop one resource. */
export type ResourceStopper = (id: string) => Promise<IStopResult>;

/** The query of GET spend: a forced scan, and the language of the warnings. */
export function spendPath(refresh: boolean, language: string): string {
  const query = new URLSearchParams();
  if (refresh) {
    query.set('refresh', '1');
  }
  if (language && !language.startsWith('en')) {
    query.set('lang', language);
  }
  const text = query.toString();
  return text ? `spend?${text}` : 'spend';
}

/** Fetches from the server, with the warnings in `language` (JupyterLab's, e.g. ja-JP). */
export function spendFetcher(language = 'en'): SpendFetcher {
  return refresh =>
    requestAPI<ISpendSnapshot>(
      spendPath(refresh, language),
      {},
      { trackActivity: false }
    );
}

export const fetchSpendFromServer: SpendFetcher = spendFetcher();

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

const SPEND_POLL = {
  name: 'jupyter-costwidget:spend',
  interval: 30000,
  maxInterval: 300000
};

export class SpendModel extends PolledValue<ISpendSnapshot> {
  constructor(options: ISpendModelOptions = {}) {
    super(SPEND_POLL, options.fetchSpend ?? fetchSpendFromServer, options);
    this._stop = options.stopResource ?? stopResourceOnServer;
    this._now = options.now ?? (() => Date.now());
  }

  /** The latest snapshot received, kept when later fetches fail. */
  get snapshot(): ISpendSnapshot | null {
    return this.value;
  }

  /** True when the server extension is not there (the meter then says so). */
  get serverMissing(): boolean {
    return (
      this.error instanceof CostWidgetRequestError && this.error.status === 404
    );
  }

  /**
   * Stale: the server says its data is stale (AWS failing), or the last fetch failed so the
   * snapshot shown is an old one.
   */
  get stale(): boolean {
    const snapshot = this.value;
    return !!snapshot && (snapshot.stale || this.error !== null);
  }

  /** Age of the snapshot in seconds, now (server age plus time since it was fetched). */
  get ageSeconds(): number | null {
    const snapshot = this.value;
    if (!snapshot || this._fetchedAt === null) {
      return null;
    }
    const atFetch = snapshot.age_seconds ?? 0;
    return atFetch + (this._now() - this._fetchedAt) / 1000;
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

  protected onValue(): void {
    this._fetchedAt = this._now();
  }

  private _stop: ResourceStopper;
  private _now: () => number;
  private _fetchedAt: number | null = null;
}
