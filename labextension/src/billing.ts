/**
 * Billed spend: what AWS will actually bill (Cost Explorer, budgets) next to the live estimate.
 *
 * The browser only reads GET costwidget/api/billing: the server caches Cost Explorer (each
 * request costs $0.01) and shares it between tabs, so this model polls rarely and without
 * activity tracking. Views: a section of the spend panel, a status bar tooltip line, and a
 * once-a-day summary notification the user can turn off (setting `dailySummary`).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';

import { formatAge, formatMoney, formatRate, ICurrency, USD } from './format';
import { SpendModel } from './model';
import { SpendPanel } from './panel';
import { PolledValue } from './polled';
import { requestAPI } from './request';
import { readSettings } from './settings';
import { costToday, scopeTotal } from './spend';
import { SpendStatusItem } from './statusbar';
import { ISpendModel } from './tokens';
import type * as api from './api/types';
import { ISpendSnapshot } from './types';

// ------------------------------------------------------------------ the API's JSON

// The shapes are generated from the server's models (api/types.ts).
export type IBudget = api.BudgetRow;
export type IBilling = api.Billing;

// ------------------------------------------------------------------ pure helpers

/** The budget the summary compares with: a SageMaker-only one first, then any. */
export function mainBudget(data: IBilling | null): IBudget | null {
  const budgets = (data?.budgets ?? []).filter(b => b.limit);
  const sagemaker = budgets.filter(b =>
    (b.services ?? []).some(s => s.includes('SageMaker'))
  );
  return sagemaker[0] ?? budgets[0] ?? null;
}

/** Progress-bar level of a budget: over the limit, forecast over it, or fine. */
export function budgetLevel(budget: IBudget): 'ok' | 'warn' | 'over' {
  if (budget.percent_actual !== null && budget.percent_actual >= 100) {
    return 'over';
  }
  if (budget.percent_forecast !== null && budget.percent_forecast >= 100) {
    return 'warn';
  }
  return 'ok';
}

/** "SageMaker yesterday: $83.69; this month: $1,286.40 of budget $2,000.00". */
export function dailySummaryText(
  data: IBilling,
  currency: ICurrency = USD,
  trans: TranslationBundle = nullTranslator.load('jupyter_costwidget')
): string {
  const yesterday = formatMoney(data.yesterday, { currency });
  const month = formatMoney(data.month_to_date, { currency });
  const budget = mainBudget(data);
  if (budget) {
    return trans.__(
      'SageMaker yesterday: %1; this month: %2 of budget %3',
      yesterday,
      month,
      formatMoney(budget.limit, { currency })
    );
  }
  return trans.__('SageMaker yesterday: %1; this month: %2', yesterday, month);
}

/** The status bar tooltip line, or null when there is nothing billed to say. */
export function monthToDateLine(
  data: IBilling | null,
  currency: ICurrency = USD,
  trans: TranslationBundle = nullTranslator.load('jupyter_costwidget')
): string | null {
  if (!data?.enabled || data.month_to_date === null) {
    return null;
  }
  if (data.month_to_date === undefined) {
    return null;
  }
  const month = formatMoney(data.month_to_date, { currency });
  if (data.forecast !== null && data.forecast !== undefined) {
    return trans.__(
      'Billed this month (up to a day late): %1, forecast %2',
      month,
      formatMoney(data.forecast, { currency })
    );
  }
  return trans.__('Billed this month (up to a day late): %1', month);
}

/** Whether the daily summary is due: enabled, data there, not yet shown on `today`. */
export function summaryDue(
  enabled: boolean,
  data: IBilling | null,
  lastShown: string | null,
  today: string
): boolean {
  return (
    enabled &&
    !!data?.enabled &&
    data.month_to_date !== null &&
    data.month_to_date !== undefined &&
    lastShown !== today
  );
}

/** Local calendar date "YYYY-MM-DD" (the summary is once per local day). */
export function localDate(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

// ------------------------------------------------------------------ the model

export type BillingFetcher = (refresh: boolean) => Promise<IBilling>;

export const fetchBillingFromServer: BillingFetcher = refresh =>
  requestAPI<IBilling>(
    refresh ? 'billing?refresh=1' : 'billing',
    {},
    { trackActivity: false }
  );

export class BillingModel extends PolledValue<IBilling> {
  constructor(
    options: {
      fetchBilling?: BillingFetcher;
      /** Poll interval in ms (default 10 min; the server caches for hours anyway). */
      interval?: number;
      autoStart?: boolean;
    } = {}
  ) {
    super({
      name: 'jupyter-costwidget:billing',
      fetch: options.fetchBilling ?? fetchBillingFromServer,
      interval: options.interval ?? 600000,
      maxInterval: 3600000,
      autoStart: options.autoStart
    });
  }

  /** The latest billed-spend figures, kept when later fetches fail. */
  get data(): IBilling | null {
    return this.value;
  }
}

// ------------------------------------------------------------------ the view

type Child = Node | string | null | undefined | false;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') {
      node.className = v;
    } else {
      node.setAttribute(k, v);
    }
  }
  for (const c of children) {
    if (c !== null && c !== undefined && c !== false) {
      node.append(c);
    }
  }
  return node;
}

/** A budget's progress bar: actual spend, with the forecast as a marker. */
export function budgetBar(
  budget: IBudget,
  currency: ICurrency,
  trans: TranslationBundle
): HTMLElement {
  const pct = Math.max(0, Math.min(100, budget.percent_actual ?? 0));
  const forecastPct = Math.max(0, Math.min(100, budget.percent_forecast ?? 0));
  const level = budgetLevel(budget);
  const label = trans.__(
    '%1: %2 of %3 (forecast %4)',
    budget.name,
    formatMoney(budget.actual, { currency }),
    formatMoney(budget.limit, { currency }),
    formatMoney(budget.forecast, { currency })
  );
  const bar = el(
    'div',
    {
      class: `jp-CostWidget-budget-bar jp-CostWidget-budget-${level}`,
      role: 'progressbar',
      'aria-label': label,
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': String(Math.round(pct)),
      'aria-valuetext': label
    },
    el('div', {
      class: 'jp-CostWidget-budget-fill',
      style: `width: ${pct}%`
    }),
    budget.percent_forecast !== null
      ? el('div', {
          class: 'jp-CostWidget-budget-forecast',
          style: `left: ${forecastPct}%`,
          title: trans.__(
            'Forecast: %1',
            formatMoney(budget.forecast, { currency })
          )
        })
      : null
  );
  const scope =
    budget.services === null || budget.services.length === 0
      ? trans.__('all services')
      : budget.services.join(', ');
  return el(
    'li',
    { class: 'jp-CostWidget-budget', 'data-budget': budget.name ?? '' },
    el(
      'div',
      { class: 'jp-CostWidget-budget-label' },
      el('strong', {}, budget.name),
      ' ',
      trans.__(
        '%1 of %2 (%3%) · forecast %4 · %5',
        formatMoney(budget.actual, { currency }),
        formatMoney(budget.limit, { currency }),
        budget.percent_actual === null ? '?' : String(budget.percent_actual),
        formatMoney(budget.forecast, { currency }),
        scope
      )
    ),
    bar
  );
}

/**
 * The billing section: billed (up to a day late) next to estimated now, budgets, usage types.
 * `estimate` is the spend model's latest snapshot (null while it loads).
 */
export function renderBilling(
  data: IBilling | null,
  error: Error | null,
  estimate: ISpendSnapshot | null,
  currency: ICurrency,
  trans: TranslationBundle
): HTMLElement {
  const section = el(
    'section',
    { class: 'jp-CostWidget-billing' },
    el('h3', {}, trans.__('Billed vs estimated'))
  );
  if (data && !data.enabled) {
    section.append(
      el(
        'p',
        { class: 'jp-CostWidget-billing-off' },
        trans.__('Billed spend is turned off by your administrator.')
      )
    );
    return section;
  }
  if (!data) {
    section.append(
      el(
        'p',
        { class: 'jp-CostWidget-empty' },
        error
          ? trans.__('Billed spend unavailable: %1', error.message)
          : trans.__('Loading billed spend…')
      )
    );
    return section;
  }
  const money = (usd: number | null | undefined) =>
    formatMoney(usd, { currency });
  const billed = el(
    'div',
    { class: 'jp-CostWidget-billed' },
    el('h4', {}, trans.__('billed (up to a day late)')),
    el(
      'dl',
      {},
      el('dt', {}, trans.__('This month')),
      el(
        'dd',
        { class: 'jp-CostWidget-billed-mtd' },
        money(data.month_to_date)
      ),
      el('dt', {}, trans.__('Yesterday')),
      el(
        'dd',
        { class: 'jp-CostWidget-billed-yesterday' },
        money(data.yesterday)
      ),
      el('dt', {}, trans.__('Forecast for the month')),
      el(
        'dd',
        { class: 'jp-CostWidget-billed-forecast' },
        data.forecast === null || data.forecast === undefined
          ? trans.__('not available')
          : money(data.forecast)
      ),
      el('dt', {}, trans.__('Yours this month')),
      el(
        'dd',
        { class: 'jp-CostWidget-billed-mine' },
        data.mine && data.mine.month_to_date !== null
          ? money(data.mine.month_to_date)
          : trans.__('not available')
      )
    ),
    data.mine?.message
      ? el('p', { class: 'jp-CostWidget-billing-note' }, data.mine.message)
      : null
  );
  const estimated = el(
    'div',
    { class: 'jp-CostWidget-estimated' },
    el('h4', {}, trans.__('estimated now'))
  );
  if (estimate) {
    const list = el('dl', {});
    for (const scope of ['mine', 'domain'] as const) {
      const total = scopeTotal(estimate, scope);
      const today = costToday(estimate, scope);
      const opts = { currency, unpriced: total.unpriced };
      list.append(
        el('dt', {}, scope === 'mine' ? trans.__('Mine') : trans.__('Domain')),
        el(
          'dd',
          { class: `jp-CostWidget-estimated-${scope}` },
          trans.__(
            '%1 · %2 today',
            formatRate(total.per_hour, opts, trans),
            formatMoney(today.usd, { currency, unpriced: today.unpriced })
          )
        )
      );
    }
    estimated.append(list);
  } else {
    estimated.append(el('p', {}, trans.__('Loading…')));
  }
  section.append(
    el('div', { class: 'jp-CostWidget-billing-compare' }, billed, estimated)
  );

  const budgets = data.budgets ?? [];
  section.append(
    el('h4', {}, trans.__('Budgets')),
    budgets.length
      ? el(
          'ul',
          { class: 'jp-CostWidget-budgets' },
          ...budgets.map(b => budgetBar(b, currency, trans))
        )
      : el(
          'p',
          { class: 'jp-CostWidget-empty' },
          trans.__('No AWS budget covers SageMaker.')
        )
  );

  const usage = Object.entries(data.by_usage_type ?? {});
  if (usage.length) {
    section.append(
      el(
        'details',
        { class: 'jp-CostWidget-usage-types' },
        el('summary', {}, trans.__('This month by usage type')),
        el(
          'table',
          {},
          el(
            'tbody',
            {},
            ...usage.map(([type, amount]) =>
              el(
                'tr',
                {},
                el('td', {}, type),
                el('td', { class: 'jp-CostWidget-num' }, money(amount))
              )
            )
          )
        )
      )
    );
  }
  const problems = [
    ...(error
      ? [trans.__('Could not refresh billed spend: %1', error.message)]
      : []),
    ...(data.notes ?? [])
  ];
  const errors = data.errors ?? [];
  if (errors.length || problems.length) {
    section.append(
      el(
        'ul',
        { class: 'jp-CostWidget-billing-errors' },
        ...errors.map(e =>
          el(
            'li',
            { class: 'jp-CostWidget-error' },
            el('strong', {}, e.source),
            ' ',
            el('code', {}, e.code),
            ': ',
            e.message,
            e.hint ? el('div', { class: 'jp-CostWidget-hint' }, e.hint) : null
          )
        ),
        ...problems.map(p => el('li', {}, p))
      )
    );
  }
  section.append(
    el(
      'p',
      { class: 'jp-CostWidget-billing-meta' },
      trans.__(
        'From Cost Explorer %1 (cached %2 h). Cost Explorer requests by this server today: %3 ($0.01 each).',
        formatAge(data.age_seconds ?? null, trans),
        String(data.cache_hours ?? '?'),
        String(data.requests_today ?? 0)
      )
    )
  );
  return section;
}

/** The billing section of one spend panel; re-renders on billing, spend or settings changes. */
export class BillingSection {
  constructor(
    private _options: {
      billing: BillingModel;
      spend: SpendModel;
      currency: () => ICurrency;
      trans: TranslationBundle;
    }
  ) {
    this.node = el('div', { class: 'jp-CostWidget-billing-slot' });
    _options.billing.changed.connect(this.render, this);
    _options.spend.changed.connect(this.render, this);
    this.render();
  }

  readonly node: HTMLElement;

  render(): void {
    const { billing, spend, currency, trans } = this._options;
    this.node.replaceChildren(
      renderBilling(
        billing.data,
        billing.error,
        spend.snapshot,
        currency(),
        trans
      )
    );
  }

  dispose(): void {
    this._options.billing.changed.disconnect(this.render, this);
    this._options.spend.changed.disconnect(this.render, this);
  }
}

// ------------------------------------------------------------------ daily summary

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

// ------------------------------------------------------------------ plugin

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
    spend: SpendModel,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): Promise<void> => {
    const trans = (translator ?? nullTranslator).load('jupyter_costwidget');
    let settings: ISettingRegistry.ISettings | null = null;
    if (settingRegistry) {
      settings = await settingRegistry
        .load(SETTINGS_PLUGIN_ID)
        .catch(() => null);
    }
    const composite = () =>
      (settings?.composite ?? {}) as Record<string, unknown>;
    const currency = () => readSettings(composite()).currency;
    const billing = new BillingModel();
    SpendPanel.sectionFactories.push(panel => {
      const section = new BillingSection({ billing, spend, currency, trans });
      panel.disposed.connect(() => section.dispose());
      return section.node;
    });
    SpendStatusItem.tooltipExtras.push(() =>
      monthToDateLine(billing.data, currency(), trans)
    );
    billing.changed.connect(() => SpendStatusItem.tooltipExtrasChanged.emit());
    new DailySummaryNotifier({
      billing,
      enabled: () => composite().dailySummary !== false,
      currency,
      trans,
      turnOff: () => void settings?.set('dailySummary', false)
    });
  }
};
