/**
 * One toast per new critical warning (e.g. a Canvas app running), with a "Show" action.
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
    const { trans, onShow } = this._options;
    for (const warning of fresh) {
      seen.add(warningKey(warning));
      Notification.warning(warning.message, {
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
    this._store.save(seen);
  }

  private _options: {
    model: SpendModel;
    settings: MeterSettings;
    trans: TranslationBundle;
    onShow: () => void;
  };
  private _store: NotifiedStore;
}
