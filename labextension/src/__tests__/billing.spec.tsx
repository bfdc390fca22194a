import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';

import * as React from 'react';

import {
  budgetLevel,
  dailySummaryText,
  IBilling,
  IBudget,
  localDate,
  mainBudget,
  monthToDateLine,
  summaryDue
} from '../billing/figures';
import { BillingModel } from '../billing/model';
import { DailySummaryNotifier } from '../billing/notify';
import { BillingView } from '../billing/section';
import { ICurrency, USD } from '../format';
import { ISpendSnapshot } from '../types';
import { resource, snapshot } from './fixtures';
import { renderElement } from './render';

function renderBilling(
  data: IBilling | null,
  error: Error | null,
  estimate: ISpendSnapshot | null,
  currency: ICurrency,
  t: typeof trans
): Promise<HTMLElement> {
  return renderElement(
    <BillingView
      data={data}
      error={error}
      estimate={estimate}
      currency={currency}
      trans={t}
    />
  );
}

const trans = nullTranslator.load('jupyter_costwidget');

function budget(over: Partial<IBudget> = {}): IBudget {
  return {
    name: 'ml-platform',
    limit: 2000,
    actual: 1286.4,
    forecast: 1890,
    unit: 'USD',
    time_unit: 'MONTHLY',
    services: ['Amazon SageMaker'],
    percent_actual: 64.3,
    percent_forecast: 94.5,
    ...over
  };
}

function billing(over: Partial<IBilling> = {}): IBilling {
  return {
    enabled: true,
    currency: 'USD',
    month_to_date: 1286.4,
    yesterday: 83.69,
    today: 12.5,
    forecast: 1890,
    by_region: {},
    by_usage_type: {
      'APN1-Canvas:Session-Hrs': 410.4,
      'APN1-Host:ml.m5.xlarge': 300.3
    },
    budgets: [
      budget({
        name: 'research-account',
        limit: 5000,
        services: null,
        percent_actual: 49.6,
        percent_forecast: 78
      }),
      budget()
    ],
    tags_active: true,
    tags: {},
    mine: {
      month_to_date: 342.6,
      filtered_by: ['sagemaker:user-profile-arn'],
      message: 'Costs tagged with your user profile or spaces.'
    },
    fetched_at: '2026-11-23T06:00:00Z',
    age_seconds: 120,
    cache_hours: 6,
    requests_today: 3,
    errors: [],
    notes: [],
    stale_sources: [],
    period: {
      month_start: '2026-11-01',
      yesterday: '2026-11-22',
      today: '2026-11-23'
    },
    stale: false,
    ...over
  };
}

describe('billing formatting', () => {
  it('prefers a SageMaker-only budget for the summary', () => {
    expect(mainBudget(billing())?.name).toBe('ml-platform');
    expect(mainBudget(billing({ budgets: [] }))).toBeNull();
    expect(
      mainBudget(
        billing({ budgets: [budget({ services: null, name: 'all' })] })
      )?.name
    ).toBe('all');
  });

  it('writes the daily summary with and without a budget', () => {
    expect(dailySummaryText(billing(), USD, trans)).toBe(
      'SageMaker yesterday: $83.69; this month: $1,286.40 of budget $2,000.00'
    );
    expect(dailySummaryText(billing({ budgets: [] }), USD, trans)).toBe(
      'SageMaker yesterday: $83.69; this month: $1,286.40'
    );
    expect(dailySummaryText(billing(), { code: 'JPY', rate: 150 }, trans)).toBe(
      'SageMaker yesterday: ≈¥12,554; this month: ≈¥192,960 of budget ≈¥300,000'
    );
  });

  it('gives the status bar a month-to-date line, never $0 for unknown', () => {
    expect(monthToDateLine(billing(), USD, trans)).toBe(
      'Billed this month (up to a day late): $1,286.40, forecast $1,890.00'
    );
    expect(monthToDateLine(billing({ forecast: null }), USD, trans)).toBe(
      'Billed this month (up to a day late): $1,286.40'
    );
    expect(monthToDateLine(billing({ month_to_date: null }), USD, trans)).toBe(
      null
    );
    expect(monthToDateLine(billing({ enabled: false }), USD, trans)).toBeNull();
    expect(monthToDateLine(null, USD, trans)).toBeNull();
  });

  it('levels budgets by actual and forecast', () => {
    expect(budgetLevel(budget())).toBe('ok');
    expect(budgetLevel(budget({ percent_forecast: 104 }))).toBe('warn');
    expect(budgetLevel(budget({ percent_actual: 101 }))).toBe('over');
  });

  it('is due once per day, only when enabled and with data', () => {
    expect(summaryDue(true, billing(), null, '2026-11-23')).toBe(true);
    expect(summaryDue(true, billing(), '2026-11-23', '2026-11-23')).toBe(false);
    expect(summaryDue(true, billing(), '2026-11-22', '2026-11-23')).toBe(true);
    expect(summaryDue(false, billing(), null, '2026-11-23')).toBe(false);
    expect(
      summaryDue(true, billing({ enabled: false }), null, '2026-11-23')
    ).toBe(false);
    expect(
      summaryDue(true, billing({ month_to_date: null }), null, '2026-11-23')
    ).toBe(false);
    expect(localDate(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});

describe('BillingView', () => {
  const estimate = snapshot({
    generated_at: new Date(2026, 10, 23, 12).toISOString(),
    resources: [
      resource({
        id: 'a',
        per_hour: 2,
        accrued: 100,
        scopes: ['mine', 'domain', 'region']
      })
    ]
  });

  it('shows billed next to estimated, budgets with bars and usage types', async () => {
    const node = await renderBilling(billing(), null, estimate, USD, trans);
    const text = node.textContent ?? '';
    expect(text).toContain('billed (up to a day late)');
    expect(text).toContain('estimated now');
    expect(node.querySelector('.jp-CostWidget-billed-mtd')?.textContent).toBe(
      '$1,286.40'
    );
    expect(
      node.querySelector('.jp-CostWidget-billed-forecast')?.textContent
    ).toBe('$1,890.00');
    expect(node.querySelector('.jp-CostWidget-billed-mine')?.textContent).toBe(
      '$342.60'
    );
    // mine: $3.10/h from totals; today: 2 $/h × 12 h since local midnight = $24.00
    expect(
      node.querySelector('.jp-CostWidget-estimated-mine')?.textContent
    ).toBe('$3.10/h · $24.00 today');
    const bars = node.querySelectorAll('[role="progressbar"]');
    expect(bars).toHaveLength(2);
    expect(bars[1].getAttribute('aria-valuenow')).toBe('64');
    expect(bars[1].getAttribute('aria-valuetext')).toBe(
      'ml-platform: $1,286.40 of $2,000.00 (forecast $1,890.00)'
    );
    expect(text).toContain('all services');
    expect(text).toContain('APN1-Canvas:Session-Hrs');
    expect(text).toContain('Cost Explorer requests by this server today: 3');
  });

  it('says plainly what is not available', async () => {
    const node = await renderBilling(
      billing({
        forecast: null,
        mine: {
          month_to_date: null,
          filtered_by: [],
          message: 'The SageMaker cost allocation tags are not active'
        },
        budgets: [],
        errors: [
          {
            source: 'ce.GetCostAndUsage',
            code: 'AccessDeniedException',
            message: 'denied',
            hint: 'Grant the IAM action ce:GetCostAndUsage to this app.'
          }
        ]
      }),
      null,
      null,
      USD,
      trans
    );
    const text = node.textContent ?? '';
    expect(
      node.querySelector('.jp-CostWidget-billed-forecast')?.textContent
    ).toBe('not available');
    expect(node.querySelector('.jp-CostWidget-billed-mine')?.textContent).toBe(
      'not available'
    );
    expect(text).toContain('not active');
    expect(text).toContain('No AWS budget covers SageMaker.');
    expect(text).toContain('ce:GetCostAndUsage');
    expect(node.querySelector('[role="progressbar"]')).toBeNull();
  });

  it('handles disabled and loading', async () => {
    expect(
      (await renderBilling(billing({ enabled: false }), null, null, USD, trans))
        .textContent
    ).toContain('turned off');
    expect(
      (await renderBilling(null, new Error('boom'), null, USD, trans))
        .textContent
    ).toContain('Billed spend unavailable: boom');
  });
});

describe('BillingModel and DailySummaryNotifier', () => {
  it('notifies once per day and can be turned off', async () => {
    const info = jest.spyOn(Notification, 'info').mockReturnValue('id');
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v)
    } as unknown as Storage;
    const model = new BillingModel({
      autoStart: false,
      fetchBilling: async () => billing()
    });
    let enabled = true;
    let day = new Date(2026, 10, 23, 9);
    const turnOff = jest.fn();
    new DailySummaryNotifier({
      billing: model,
      enabled: () => enabled,
      currency: () => USD,
      trans,
      turnOff,
      storage,
      now: () => day,
      quietMs: 0
    });
    await model.update();
    await model.update();
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0][0]).toBe(
      'SageMaker yesterday: $83.69; this month: $1,286.40 of budget $2,000.00'
    );
    const actions = (info.mock.calls[0][1] as any).actions;
    actions[0].callback();
    expect(turnOff).toHaveBeenCalled();
    day = new Date(2026, 10, 24, 9);
    await model.update();
    expect(info).toHaveBeenCalledTimes(2);
    enabled = false;
    day = new Date(2026, 10, 25, 9);
    await model.update();
    expect(info).toHaveBeenCalledTimes(2);
    info.mockRestore();
    model.dispose();
  });

  it('waits a quiet minute after start, then shows the summary', async () => {
    jest.useFakeTimers();
    const info = jest.spyOn(Notification, 'info').mockReturnValue('id');
    const model = new BillingModel({
      autoStart: false,
      fetchBilling: async () => billing()
    });
    let now = new Date(2026, 10, 23, 9, 0, 0);
    new DailySummaryNotifier({
      billing: model,
      enabled: () => true,
      currency: () => USD,
      trans,
      turnOff: () => undefined,
      storage: null,
      now: () => now
    });
    await model.update(); // the data arrives with the start-up toasts: no summary yet
    now = new Date(2026, 10, 23, 9, 0, 59);
    jest.advanceTimersByTime(59000);
    expect(info).toHaveBeenCalledTimes(0);
    now = new Date(2026, 10, 23, 9, 1, 0);
    jest.advanceTimersByTime(1000); // the quiet minute ends: shown without a new poll
    expect(info).toHaveBeenCalledTimes(1);
    info.mockRestore();
    jest.useRealTimers();
    model.dispose();
  });

  it('keeps the last data when a fetch fails', async () => {
    let fail = false;
    const model = new BillingModel({
      autoStart: false,
      fetchBilling: async () => {
        if (fail) {
          throw new Error('down');
        }
        return billing();
      }
    });
    await model.update();
    fail = true;
    await model.update();
    expect(model.data?.month_to_date).toBe(1286.4);
    expect(model.error?.message).toBe('down');
    model.dispose();
  });
});
