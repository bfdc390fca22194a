/**
 * Billed-spend figures in words: the main budget, its level, the month-to-date tooltip line
 * and the daily summary (pure functions of GET costwidget/api/billing).
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';

import type * as api from '../api/types';
import { formatMoney, ICurrency, USD } from '../format';

// The shapes are generated from the server's models (api/types.ts).
export type IBudget = api.BudgetRow;
export type IBilling = api.Billing;

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
