/**
 * The user settings of the meter (schema: labextension/schema/plugin.json).
 */
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ISignal, Signal } from '@lumino/signaling';

import { ICurrency, normalizeCurrency, USD } from './format';

/** The extension's settings (plugin id `jupyter-costwidget:plugin`), or null without them. */
export async function loadSettings(
  registry: ISettingRegistry | null,
  pluginId: string
): Promise<ISettingRegistry.ISettings | null> {
  if (!registry) {
    return null;
  }
  return registry.load(pluginId).catch(reason => {
    console.error('Failed to load settings for jupyter-costwidget.', reason);
    return null;
  });
}

export interface IMeterSettings {
  warnPerHour: number;
  criticalPerHour: number;
  showToday: boolean;
  notifications: boolean;
  currency: ICurrency;
  pollSeconds: number;
}

export const DEFAULT_SETTINGS: IMeterSettings = {
  warnPerHour: 2,
  criticalPerHour: 10,
  showToday: true,
  notifications: true,
  currency: USD,
  pollSeconds: 30
};

function numberOr(value: unknown, fallback: number, min = 0): number {
  return typeof value === 'number' && isFinite(value) && value >= min
    ? value
    : fallback;
}

/** Settings from the registry's composite values, with defaults for anything invalid. */
export function readSettings(
  composite: Record<string, unknown> | null | undefined
): IMeterSettings {
  const c = composite ?? {};
  return {
    warnPerHour: numberOr(c.warnPerHour, DEFAULT_SETTINGS.warnPerHour),
    criticalPerHour: numberOr(
      c.criticalPerHour,
      DEFAULT_SETTINGS.criticalPerHour
    ),
    showToday:
      typeof c.showToday === 'boolean'
        ? c.showToday
        : DEFAULT_SETTINGS.showToday,
    notifications:
      typeof c.notifications === 'boolean'
        ? c.notifications
        : DEFAULT_SETTINGS.notifications,
    currency: normalizeCurrency(c.currency),
    pollSeconds: numberOr(c.pollSeconds, DEFAULT_SETTINGS.pollSeconds, 5)
  };
}

/** The current settings plus a signal when the user edits them. */
export class MeterSettings {
  constructor(settings: ISettingRegistry.ISettings | null) {
    if (settings) {
      this._load(settings);
      settings.changed.connect(this._load, this);
    }
  }

  get value(): IMeterSettings {
    return this._value;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  private _load(settings: ISettingRegistry.ISettings): void {
    this._value = readSettings(settings.composite as Record<string, unknown>);
    this._changed.emit();
  }

  private _value: IMeterSettings = DEFAULT_SETTINGS;
  private _changed = new Signal<this, void>(this);
}
