/** The once-a-day notification of yesterday's and this month's billed spend. */
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { ICurrency } from '../format';
import { dailySummaryText, localDate, summaryDue } from './figures';
import { BillingModel } from './model';

const SHOWN_KEY = 'jupyter-costwidget:daily-summary-shown';

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
    }
  ) {
    _options.billing.changed.connect(this.check, this);
  }

  check(): void {
    const { billing, enabled, currency, trans, turnOff } = this._options;
    const storage = this._storage();
    const today = localDate((this._options.now ?? (() => new Date()))());
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
