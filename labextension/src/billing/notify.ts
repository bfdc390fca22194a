/** The once-a-day notification of yesterday's and this month's billed spend. */
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { ICurrency } from '../format';
import { dailySummaryText, localDate, summaryDue } from './figures';
import { BillingModel } from './model';

const SHOWN_KEY = 'jupyter-costwidget:daily-summary-shown';

/**
 * How long after JupyterLab opens the daily summary waits, so that opening JupyterLab shows
 * one toast (the critical warnings'), not several at once.
 */
export const START_QUIET_MS = 60000;

/** A once-a-day notification of yesterday's and this month's billed spend. */
export class DailySummaryNotifier {
  constructor(
    private _options: {
      billing: BillingModel;
      enabled: () => boolean;
      currency: () => ICurrency;
      trans: TranslationBundle;
      turnOff: () => void;
      storage?: Storage | null;
      now?: () => Date;
      /** Quiet time after start, in ms (default START_QUIET_MS). */
      quietMs?: number;
    }
  ) {
    this._now = _options.now ?? (() => new Date());
    const quiet = _options.quietMs ?? START_QUIET_MS;
    this._quietUntil = this._now().getTime() + quiet;
    _options.billing.changed.connect(this.check, this);
    if (quiet > 0) {
      window.setTimeout(() => this.check(), quiet);
    }
  }

  check(): void {
    const { billing, enabled, currency, trans, turnOff } = this._options;
    const now = this._now();
    if (now.getTime() < this._quietUntil) {
      return;
    }
    const storage = this._storage();
    const today = localDate(now);
    let lastShown: string | null = null;
    try {
      lastShown = storage?.getItem(SHOWN_KEY) ?? null;
    } catch {
      lastShown = null;
    }
    if (!summaryDue(enabled(), billing.data, lastShown, today)) {
      return;
    }
    try {
      storage?.setItem(SHOWN_KEY, today);
    } catch {
      // storage blocked: at worst it shows again after a reload
    }
    Notification.info(dailySummaryText(billing.data!, currency(), trans), {
      autoClose: 15000,
      actions: [
        {
          label: trans.__('Turn off'),
          caption: trans.__('Stop the daily SageMaker spend summary'),
          callback: () => turnOff()
        }
      ]
    });
  }

  private _now: () => Date;
  private _quietUntil: number;

  private _storage(): Storage | null {
    if (this._options.storage !== undefined) {
      return this._options.storage;
    }
    try {
      return window.localStorage;
    } catch {
      return null;
    }
  }
}
