/**
 * The billing section of the spend panel: billed (up to a day late) next to estimated now,
 * budgets, usage types. Re-renders when the billing or the spend model changes.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { formatAge, formatMoney, formatRate, ICurrency } from '../format';
import { ISpendModel } from '../tokens';
import { costToday, scopeTotal } from '../spend/rows';
import { ISpendSnapshot } from '../types';
import { budgetLevel, IBilling, IBudget } from './figures';
import { BillingModel } from './model';

/** A budget's progress bar: actual spend, with the forecast as a marker. */
export function BudgetBar(props: {
  budget: IBudget;
  currency: ICurrency;
  trans: TranslationBundle;
}): React.ReactElement {
  const { budget, currency, trans } = props;
  const money = (usd: number | null | undefined) =>
    formatMoney(usd, { currency });
  const pct = Math.max(0, Math.min(100, budget.percent_actual ?? 0));
  const forecastPct = Math.max(0, Math.min(100, budget.percent_forecast ?? 0));
  const label = trans.__(
    '%1: %2 of %3 (forecast %4)',
    budget.name,
    money(budget.actual),
    money(budget.limit),
    money(budget.forecast)
  );
  const scope =
    budget.services === null || budget.services.length === 0
      ? trans.__('all services')
      : budget.services.join(', ');
  return (
    <li className="jp-CostWidget-budget" data-budget={budget.name ?? ''}>
      <div className="jp-CostWidget-budget-label">
        <strong>{budget.name}</strong>{' '}
        {trans.__(
          '%1 of %2 (%3%) · forecast %4 · %5',
          money(budget.actual),
          money(budget.limit),
          budget.percent_actual === null ? '?' : String(budget.percent_actual),
          money(budget.forecast),
          scope
        )}
      </div>
      <div
        className={`jp-CostWidget-budget-bar jp-CostWidget-budget-${budgetLevel(budget)}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
        aria-valuetext={label}
      >
        <div
          className="jp-CostWidget-budget-fill"
          style={{ width: `${pct}%` }}
        />
        {budget.percent_forecast !== null ? (
          <div
            className="jp-CostWidget-budget-forecast"
            style={{ left: `${forecastPct}%` }}
            title={trans.__('Forecast: %1', money(budget.forecast))}
          />
        ) : null}
      </div>
    </li>
  );
}

/**
 * Billed spend next to the estimate. `estimate` is the spend model's latest snapshot (null
 * while it loads).
 */
export function BillingView(props: {
  data: IBilling | null;
  error: Error | null;
  estimate: ISpendSnapshot | null;
  currency: ICurrency;
  trans: TranslationBundle;
}): React.ReactElement {
  const { data, error, estimate, currency, trans } = props;
  const title = <h3>{trans.__('Billed vs estimated')}</h3>;
  if (data && !data.enabled) {
    return (
      <section className="jp-CostWidget-billing">
        {title}
        <p className="jp-CostWidget-billing-off">
          {trans.__('Billed spend is turned off by your administrator.')}
        </p>
      </section>
    );
  }
  if (!data) {
    return (
      <section className="jp-CostWidget-billing">
        {title}
        <p className="jp-CostWidget-empty">
          {error
            ? trans.__('Billed spend unavailable: %1', error.message)
            : trans.__('Loading billed spend…')}
        </p>
      </section>
    );
  }
  const money = (usd: number | null | undefined) =>
    formatMoney(usd, { currency });
  const budgets = data.budgets ?? [];
  const usage = Object.entries(data.by_usage_type ?? {});
  const problems = [
    ...(error
      ? [trans.__('Could not refresh billed spend: %1', error.message)]
      : []),
    ...(data.notes ?? [])
  ];
  const errors = data.errors ?? [];
  return (
    <section className="jp-CostWidget-billing">
      {title}
      <div className="jp-CostWidget-billing-compare">
        <div className="jp-CostWidget-billed">
          <h4>{trans.__('billed (up to a day late)')}</h4>
          <dl>
            <dt>{trans.__('This month')}</dt>
            <dd className="jp-CostWidget-billed-mtd">
              {money(data.month_to_date)}
            </dd>
            <dt>{trans.__('Yesterday')}</dt>
            <dd className="jp-CostWidget-billed-yesterday">
              {money(data.yesterday)}
            </dd>
            <dt>{trans.__('Forecast for the month')}</dt>
            <dd className="jp-CostWidget-billed-forecast">
              {data.forecast === null || data.forecast === undefined
                ? trans.__('not available')
                : money(data.forecast)}
            </dd>
            <dt>{trans.__('Yours this month')}</dt>
            <dd className="jp-CostWidget-billed-mine">
              {data.mine && data.mine.month_to_date !== null
                ? money(data.mine.month_to_date)
                : trans.__('not available')}
            </dd>
          </dl>
          {data.mine?.message ? (
            <p className="jp-CostWidget-billing-note">{data.mine.message}</p>
          ) : null}
        </div>
        <div className="jp-CostWidget-estimated">
          <h4>{trans.__('estimated now')}</h4>
          {estimate ? (
            <dl>
              {(['mine', 'domain'] as const).map(scope => {
                const total = scopeTotal(estimate, scope);
                const today = costToday(estimate, scope);
                const opts = { currency, unpriced: total.unpriced };
                return (
                  <React.Fragment key={scope}>
                    <dt>
                      {scope === 'mine' ? trans.__('Mine') : trans.__('Domain')}
                    </dt>
                    <dd className={`jp-CostWidget-estimated-${scope}`}>
                      {trans.__(
                        '%1 · %2 today',
                        formatRate(total.per_hour, opts, trans),
                        formatMoney(today.usd, {
                          currency,
                          unpriced: today.unpriced
                        })
                      )}
                    </dd>
                  </React.Fragment>
                );
              })}
            </dl>
          ) : (
            <p>{trans.__('Loading…')}</p>
          )}
        </div>
      </div>
      <h4>{trans.__('Budgets')}</h4>
      {budgets.length ? (
        <ul className="jp-CostWidget-budgets">
          {budgets.map((b, i) => (
            <BudgetBar key={i} budget={b} currency={currency} trans={trans} />
          ))}
        </ul>
      ) : (
        <p className="jp-CostWidget-empty">
          {trans.__('No AWS budget covers SageMaker.')}
        </p>
      )}
      {usage.length ? (
        <details className="jp-CostWidget-usage-types">
          <summary>{trans.__('This month by usage type')}</summary>
          <table>
            <tbody>
              {usage.map(([type, amount]) => (
                <tr key={type}>
                  <td>{type}</td>
                  <td className="jp-CostWidget-num">{money(amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
      {errors.length || problems.length ? (
        <ul className="jp-CostWidget-billing-errors">
          {errors.map((e, i) => (
            <li key={`e${i}`} className="jp-CostWidget-error">
              <strong>{e.source}</strong> <code>{e.code}</code>: {e.message}
              {e.hint ? (
                <div className="jp-CostWidget-hint">{e.hint}</div>
              ) : null}
            </li>
          ))}
          {problems.map((p, i) => (
            <li key={`p${i}`}>{p}</li>
          ))}
        </ul>
      ) : null}
      <p className="jp-CostWidget-billing-meta">
        {trans.__(
          'From Cost Explorer %1 (cached %2 h). Cost Explorer requests by this server today: %3 ($0.01 each).',
          formatAge(data.age_seconds ?? null, trans),
          String(data.cache_hours ?? '?'),
          String(data.requests_today ?? 0)
        )}
      </p>
    </section>
  );
}

/** The billing section of one spend panel; re-renders on billing or spend changes. */
export function BillingSection(props: {
  billing: BillingModel;
  spend: ISpendModel;
  currency: () => ICurrency;
  trans: TranslationBundle;
}): React.ReactElement {
  const { billing, spend, currency, trans } = props;
  return (
    <div className="jp-CostWidget-billing-slot">
      <UseSignal signal={billing.changed}>
        {() => (
          <UseSignal signal={spend.changed}>
            {() => (
              <BillingView
                data={billing.data}
                error={billing.error}
                estimate={spend.snapshot}
                currency={currency()}
                trans={trans}
              />
            )}
          </UseSignal>
        )}
      </UseSignal>
    </div>
  );
}
