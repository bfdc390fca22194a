/**
 * Toasts for critical warnings (e.g. a Canvas app running), with a "Show" action: when
 * JupyterLab opens, one toast sums up every warning not yet notified; after that, one per
 * new warning.
 *
 * Warnings already notified are remembered by code + resource id in localStorage, so polls,
 * reloads and other tabs of the same browser do not repeat them.
 */
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { SpendModel } from './model';
import { MeterSettings } from '../settings';
import { criticalWarnings, warningKey } from './rows';
import { ISpendWarning } from '../types';

const STORAGE_KEY = 'jupyter-costwidget:notified-warnings';

/** The set of warning keys already notified, persisted when storage is available. */
export class NotifiedStore {
  constructor(private _storage: Storage | null = safeLocalStorage()) {}

  keys(): Set<string> {
    if (!this._storage) {
      return new Set(this._memory);
    }
    try {
      const parsed = JSON.parse(this._storage.getItem(STORAGE_KEY) ?? '[]');
      return new Set(Array.isArray(parsed) ? parsed.map(String) : []);
    } catch {
      return new Set();
    }
  }

  save(keys: Set<string>): void {
    this._memory = new Set(keys);
    try {
      this._storage?.setItem(STORAGE_KEY, JSON.stringify([...keys]));
    } catch {
      // Storage full or blocked: the in-memory copy still dedupes this session.
    }
  }

  private _memory = new Set<string>();
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null;
  }
}

/** The warnings of `current` not yet in `seen` (pure, for tests). */
export function newWarnings(
  current: ReadonlyArray<ISpendWarning>,
  seen: ReadonlySet<string>
): ISpendWarning[] {
  const out: ISpendWarning[] = [];
  const keys = new Set<string>();
  for (const w of current) {
    const key = warningKey(w);
    if (!seen.has(key) && !keys.has(key)) {
      keys.add(key);
      out.push(w);
    }
  }
  return out;
}

/** How many warnings the start-up toast names before "and N more". */
export const SUMMARY_NAMES = 3;

/** The start-up toast's text for several warnings (pure, for tests). */
export function summaryText(
  warnings: ReadonlyArray<ISpendWarning>,
  trans: TranslationBundle
): string {
  const named = warnings.slice(0, SUMMARY_NAMES).map(w => w.message);
  const rest = warnings.length - named.length;
  const list =
    named.join('; ') +
    (rest > 0 ? ' ' + trans._n('and %1 more', 'and %1 more', rest) : '');
  return trans._n(
    '%1 thing is billing that may be forgotten: %2',
    '%1 things are billing that may be forgotten: %2',
    warnings.length,
    list
  );
}

export class CriticalWarningNotifier {
  constructor(options: {
    model: SpendModel;
    settings: MeterSettings;
    trans: TranslationBundle;
    onShow: () => void;
    store?: NotifiedStore;
  }) {
    this._options = options;
    this._store = options.store ?? new NotifiedStore();
    options.model.changed.connect(this._check, this);
  }

  private _check(model: SpendModel): void {
    const snapshot = model.snapshot;
    if (!snapshot || model.error) {
      return;
    }
    const critical = criticalWarnings(snapshot);
    const seen = this._store.keys();
    const fresh = newWarnings(critical, seen);
    // Forget warnings that went away in a complete scan, so a new occurrence notifies again.
    if (!snapshot.stale && !(snapshot.errors?.length ?? 0)) {
      const current = new Set(critical.map(warningKey));
      for (const key of [...seen]) {
        if (!current.has(key)) {
          seen.delete(key);
        }
      }
    }
    if (!this._options.settings.value.notifications) {
      this._store.save(seen);
      return;
    }
    for (const warning of fresh) {
      seen.add(warningKey(warning));
    }
    // At start, one toast for all; later, one per new warning.
    const messages =
      !this._started && fresh.length > 1
        ? [summaryText(fresh, this._options.trans)]
        : fresh.map(w => w.message);
    this._started = true;
    for (const message of messages) {
      this._toast(message);
    }
    this._store.save(seen);
  }

  private _toast(message: string): void {
    const { trans, onShow } = this._options;
    Notification.warning(message, {
      autoClose: false,
      actions: [
        {
          label: trans.__('Show'),
          caption: trans.__('Open the SageMaker spend panel'),
          callback: () => onShow()
        }
      ]
    });
  }

  private _options: {
    model: SpendModel;
    settings: MeterSettings;
    trans: TranslationBundle;
    onShow: () => void;
  };
  private _store: NotifiedStore;
  private _started = false;
}
