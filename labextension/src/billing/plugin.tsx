/**
 * Billed spend: what AWS will actually bill (Cost Explorer, budgets) next to the live estimate,
 * as a section of the spend panel, a status bar tooltip line, and a once-a-day summary
 * notification the user can turn off (setting `dailySummary`).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';

import { SpendPanel } from '../spend/panel';
import { loadSettings, readSettings } from '../settings';
import { SpendStatusItem } from '../spend/statusbar';
import { ISpendModel } from '../tokens';
import { monthToDateLine } from './figures';
import { BillingModel } from './model';
import { DailySummaryNotifier, START_QUIET_MS } from './notify';
import { BillingSection } from './section';

/** The daily summary's delay after start (ms), from the setting in seconds. */
function startQuietMs(seconds: unknown): number {
  return typeof seconds === 'number' && isFinite(seconds) && seconds >= 0
    ? seconds * 1000
    : START_QUIET_MS;
}

const SETTINGS_PLUGIN_ID = 'jupyter-costwidget:plugin';

export const billingPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-costwidget:billing',
  description:
    'Billed SageMaker spend (Cost Explorer, budgets) in the spend panel and a daily summary.',
  autoStart: true,
  requires: [ISpendModel],
  optional: [ISettingRegistry, ITranslator],
  activate: async (
    app: JupyterFrontEnd,
    spend: ISpendModel,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): Promise<void> => {
    const trans = (translator ?? nullTranslator).load('jupyter_costwidget');
    const settings = await loadSettings(settingRegistry, SETTINGS_PLUGIN_ID);
    const composite = () =>
      (settings?.composite ?? {}) as Record<string, unknown>;
    const currency = () => readSettings(composite()).currency;
    const billing = new BillingModel();
    SpendPanel.sections.push(() => (
      <BillingSection
        billing={billing}
        spend={spend}
        currency={currency}
        trans={trans}
      />
    ));
    SpendStatusItem.tooltipExtras.push(() =>
      monthToDateLine(billing.data, currency(), trans)
    );
    billing.changed.connect(() => SpendStatusItem.tooltipExtrasChanged.emit());
    new DailySummaryNotifier({
      billing,
      enabled: () => composite().dailySummary !== false,
      currency,
      trans,
      turnOff: () => void settings?.set('dailySummary', false),
      quietMs: startQuietMs(composite().dailySummaryDelaySeconds)
    });
  }
};
