/**
 * The spend panel: totals per scope, errors with hints, warnings explained, two small charts,
 * and a sortable, filterable resource table with stop buttons. A `VDomRenderer` of
 * `SpendModel`; other features add sections (`SpendPanel.sections`).
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { BarChart, HistoryChart } from './chart';
import {
  conversionNote,
  formatAge,
  formatDuration,
  formatInstance,
  formatMoney,
  formatRate,
  ICurrency
} from '../format';
import { explainWarning, kindLabel, scopeLabel, stopEffect } from './labels';
import { SpendModel } from './model';
import { MeterSettings } from '../settings';
import {
  groupByRegion,
  isCritical,
  isStoppable,
  scopeTotal,
  selectResources,
  SortKey,
  spendByKind
} from './rows';
import {
  ISpendResource,
  ISpendSnapshot,
  ISpendWarning,
  ScopeName,
  SCOPES
} from '../types';

const COLUMNS: ReadonlyArray<SortKey> = [
  'kind',
  'name',
  'owner',
  'instance',
  'status',
  'started_at',
  'per_hour',
  'accrued'
];

export class SpendPanel extends VDomRenderer<SpendModel> {
  /** Sections other features (e.g. billed spend) render at the end of every panel. */
  static sections: Array<() => React.ReactElement> = [];

  constructor(options: {
    model: SpendModel;
    settings: MeterSettings;
    trans: TranslationBundle;
  }) {
    super(options.model);
    this._settings = options.settings;
    this._trans = options.trans;
    const trans = this._trans;
    this.id = 'jp-costwidget-spend-panel';
    this.addClass('jp-CostWidget-panel');
    this.title.label = trans.__('SageMaker spend');
    this.title.caption = trans.__('Live SageMaker spend');
    this.title.closable = true;
    this._settings.changed.connect(this.update, this);
  }

  dispose(): void {
    this._settings.changed.disconnect(this.update, this);
    super.dispose();
  }

  private get _currency(): ICurrency {
    return this._settings.value.currency;
  }

  protected render(): React.ReactElement {
    const trans = this._trans;
    const snapshot = this.model.snapshot;
    return (
      <>
        <div className="jp-CostWidget-header">{this._header()}</div>
        <div className="jp-CostWidget-body">
          {this._errors(snapshot)}
          {snapshot ? (
            <>
              {this._totals(snapshot)}
              {this._warnings(snapshot)}
              {this._charts(snapshot)}
            </>
          ) : (
            <p className="jp-CostWidget-empty">
              {this.model.error ? '' : trans.__('Loading…')}
            </p>
          )}
        </div>
        <section className="jp-CostWidget-resources">
          <h3>{trans.__('Resources')}</h3>
          <div className="jp-CostWidget-toolbar">
            <select
              className="jp-CostWidget-scope"
              aria-label={trans.__('Scope')}
              defaultValue={this._scope}
              onChange={event => {
                this._scope = event.target.value as ScopeName | 'all';
                this.update();
              }}
            >
              {(['all', ...SCOPES] as Array<ScopeName | 'all'>).map(scope => (
                <option key={scope} value={scope}>
                  {scope === 'all'
                    ? trans.__('All resources')
                    : scopeLabel(scope, trans)}
                </option>
              ))}
            </select>
            <input
              className="jp-CostWidget-filter jp-mod-styled"
              type="search"
              placeholder={trans.__('Filter by name, owner, kind…')}
              aria-label={trans.__('Filter resources')}
              defaultValue={this._filter}
              onInput={event => {
                this._filter = (event.target as HTMLInputElement).value;
                this.update();
              }}
            />
          </div>
          <div
            className={
              'jp-CostWidget-action-status' +
              (this._status.isError ? ' jp-CostWidget-action-error' : '')
            }
            role="status"
          >
            {this._status.message}
          </div>
          <div className="jp-CostWidget-table-wrap">
            {snapshot ? this._table(snapshot) : null}
          </div>
        </section>
        {SpendPanel.sections.map((section, i) => (
          <React.Fragment key={i}>{section()}</React.Fragment>
        ))}
      </>
    );
  }

  private _header(): React.ReactElement {
    const trans = this._trans;
    const model = this.model;
    const ctx = model.snapshot?.context;
    let where = '';
    if (ctx) {
      const env: Record<string, string> = {
        studio: trans.__('SageMaker Studio'),
        'studio-classic': trans.__('SageMaker Studio Classic'),
        'notebook-instance': trans.__('SageMaker notebook instance'),
        local: trans.__('local (not running on SageMaker)')
      };
      where = [
        env[ctx.environment] ?? ctx.environment,
        ctx.region,
        ctx.account,
        ctx.domain_id,
        ctx.space ?? ctx.user_profile,
        ctx.instance_type
      ]
        .filter(Boolean)
        .join(' · ');
    }
    const note = conversionNote(this._currency, trans);
    const shared = model.snapshot?.shared;
    let source = '';
    if (shared) {
      source = shared.scanning_itself
        ? trans.__(
            'The shared snapshot (%1) is stale: this server scans the account itself until it is fresh again.',
            shared.url
          )
        : trans.__(
            'From the shared snapshot %1, written every %2.',
            shared.url,
            formatDuration(shared.period_seconds, trans)
          );
    }
    return (
      <>
        <div className="jp-CostWidget-titlebar">
          <h2>{trans.__('SageMaker spend')}</h2>
          <span
            className={
              'jp-CostWidget-age' +
              (model.stale ? ' jp-CostWidget-stale-text' : '')
            }
          >
            {model.stale
              ? trans.__('Stale: %1', formatAge(model.ageSeconds, trans))
              : trans.__('Updated %1', formatAge(model.ageSeconds, trans))}
          </span>
          <button
            className="jp-mod-styled jp-CostWidget-refresh"
            type="button"
            disabled={this._refreshing}
            onClick={() => {
              this._refreshing = true;
              this.update();
              void model.refresh().finally(() => {
                this._refreshing = false;
                this.update();
              });
            }}
          >
            {trans.__('Refresh')}
          </button>
        </div>
        {where ? <div className="jp-CostWidget-context">{where}</div> : null}
        {source ? <div className="jp-CostWidget-shared">{source}</div> : null}
        {note ? <div className="jp-CostWidget-converted">{note}</div> : null}
      </>
    );
  }

  private _errors(snapshot: ISpendSnapshot | null): React.ReactElement | null {
    const trans = this._trans;
    const items: React.ReactElement[] = [];
    const error = this.model.error;
    if (error) {
      items.push(
        <li key="server" className="jp-CostWidget-error">
          <strong>{trans.__('Could not reach the costwidget server: ')}</strong>
          {error.message}
          <div className="jp-CostWidget-hint">
            {this.model.serverMissing
              ? trans.__(
                  'Enable the server extension: jupyter server extension enable jupyter_costwidget'
                )
              : trans.__(
                  'Showing the last data received; retrying with backoff.'
                )}
          </div>
        </li>
      );
    }
    (snapshot?.errors ?? []).forEach((e, i) => {
      items.push(
        <li key={i} className="jp-CostWidget-error">
          <strong>{e.source}</strong> <code>{e.code}</code>: {e.message}
          {e.hint ? <div className="jp-CostWidget-hint">{e.hint}</div> : null}
        </li>
      );
    });
    if (!items.length) {
      return null;
    }
    return (
      <section className="jp-CostWidget-errors">
        <h3>{trans.__('Problems')}</h3>
        <ul>{items}</ul>
      </section>
    );
  }

  private _totals(snapshot: ISpendSnapshot): React.ReactElement {
    const trans = this._trans;
    const currency = this._currency;
    return (
      <section className="jp-CostWidget-totals">
        <h3>{trans.__('Totals')}</h3>
        <table>
          <thead>
            <tr>
              <th>{trans.__('Scope')}</th>
              <th>{trans.__('Rate')}</th>
              <th>{trans.__('Cost so far')}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {SCOPES.map(scope => {
              const t = scopeTotal(snapshot, scope);
              const opts = { currency, unpriced: t.unpriced };
              return (
                <tr key={scope} data-scope={scope}>
                  <th scope="row">{scopeLabel(scope, trans)}</th>
                  <td className="jp-CostWidget-num">
                    {formatRate(t.per_hour, opts, trans)}
                  </td>
                  <td className="jp-CostWidget-num">
                    {formatMoney(t.accrued, opts)}
                  </td>
                  <td>
                    {t.unpriced
                      ? trans._n(
                          '%1 line without a price',
                          '%1 lines without a price',
                          t.unpriced
                        )
                      : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    );
  }

  private _warnings(snapshot: ISpendSnapshot): React.ReactElement | null {
    const trans = this._trans;
    if (!snapshot.warnings.length) {
      return null;
    }
    const byId = new Map(snapshot.resources.map(r => [r.id, r]));
    // Info-level notes (e.g. a missing price) go in a collapsed list below the real warnings.
    const important = snapshot.warnings
      .filter(w => w.severity !== 'info')
      .sort((a, b) => Number(isCritical(b)) - Number(isCritical(a)));
    const notes = snapshot.warnings.filter(w => w.severity === 'info');
    const item = (w: ISpendWarning, i: number) => {
      const resource = w.resource_id ? byId.get(w.resource_id) : undefined;
      const explanation = explainWarning(w, resource, this._currency, trans);
      return (
        <li
          key={i}
          className={
            'jp-CostWidget-warning' +
            (isCritical(w) ? ' jp-CostWidget-warning-critical' : '')
          }
          data-code={w.code}
        >
          <div>{w.message}</div>
          {explanation ? (
            <div className="jp-CostWidget-explain">{explanation}</div>
          ) : null}
        </li>
      );
    };
    return (
      <section className="jp-CostWidget-warnings">
        <h3>{trans.__('Warnings')}</h3>
        {important.length ? (
          <ul>{important.map(item)}</ul>
        ) : (
          <p>{trans.__('No warnings.')}</p>
        )}
        {notes.length ? (
          <details className="jp-CostWidget-notes">
            <summary>
              {trans._n('%1 note', '%1 notes', notes.length)}
              {notes.every(w => w.code === 'price-unknown')
                ? ' ' +
                  trans.__(
                    '(resources without a known price: totals are lower bounds)'
                  )
                : ''}
            </summary>
            <ul>{notes.map(item)}</ul>
          </details>
        ) : null}
      </section>
    );
  }

  private _charts(snapshot: ISpendSnapshot): React.ReactElement {
    const trans = this._trans;
    const currency = this._currency;
    const kinds = spendByKind(snapshot.resources).map(k => ({
      label: kindLabel(k.kind, trans),
      value: k.perHour ?? 0,
      text: formatRate(k.perHour, { currency, unpriced: k.unpriced }, trans)
    }));
    const history = snapshot.history ?? [];
    return (
      <section className="jp-CostWidget-charts">
        <figure>
          <figcaption>
            {trans.__('Burn rate by kind (all resources)')}
          </figcaption>
          <BarChart rows={kinds} title={trans.__('Burn rate by kind')} />
        </figure>
        <figure>
          <figcaption>
            {history.length
              ? trans.__(
                  'Your burn rate, last %1',
                  formatDuration(historySpan(history), trans)
                )
              : trans.__('Your burn rate (no history yet)')}
          </figcaption>
          <HistoryChart
            points={history}
            title={trans.__('Your burn rate over time')}
            maxLabel={max => formatRate(max, { currency }, trans)}
          />
        </figure>
      </section>
    );
  }

  private _sortBy(key: SortKey): void {
    if (this._sortKey === key) {
      this._descending = !this._descending;
    } else {
      this._sortKey = key;
      this._descending = key === 'per_hour' || key === 'accrued';
    }
    this.update();
  }

  private _table(snapshot: ISpendSnapshot): React.ReactElement {
    const trans = this._trans;
    const currency = this._currency;
    const labels: Record<SortKey, string> = {
      kind: trans.__('Kind'),
      name: trans.__('Name'),
      owner: trans.__('Owner'),
      instance: trans.__('Instance × count'),
      status: trans.__('Status'),
      started_at: trans.__('Running since'),
      per_hour: trans.__('$/h'),
      accrued: trans.__('Cost so far')
    };
    const rows = selectResources(snapshot.resources, {
      scope: this._scope,
      filter: this._filter,
      sortKey: this._sortKey,
      descending: this._descending
    });
    const now = Date.now();
    return (
      <>
        <table className="jp-CostWidget-table">
          <thead>
            <tr>
              {COLUMNS.map(key => {
                const sorted = this._sortKey === key;
                return (
                  <th
                    key={key}
                    className="jp-CostWidget-sortable"
                    data-sort={key}
                    aria-sort={
                      sorted
                        ? this._descending
                          ? 'descending'
                          : 'ascending'
                        : 'none'
                    }
                    tabIndex={0}
                    onClick={() => this._sortBy(key)}
                    onKeyDown={event => {
                      if (event.key === 'Enter') {
                        this._sortBy(key);
                      }
                    }}
                  >
                    {labels[key]}
                    {sorted ? (this._descending ? ' ▾' : ' ▴') : ''}
                  </th>
                );
              })}
              <th></th>
            </tr>
          </thead>
          {groupByRegion(rows, snapshot.context.region).map(group =>
            group.region === null ? (
              <tbody key="home">
                {group.rows.map(r => this._row(r, now, currency))}
              </tbody>
            ) : (
              <tbody
                key={group.region}
                className="jp-CostWidget-region"
                data-region={group.region}
              >
                <tr>
                  <th colSpan={COLUMNS.length + 1}>
                    {trans.__(
                      'In %1 (another region, scope "account"): %2',
                      group.region,
                      formatRate(
                        group.perHour,
                        { currency, unpriced: group.unpriced },
                        trans
                      )
                    )}
                  </th>
                </tr>
                {group.rows.map(r => this._row(r, now, currency))}
              </tbody>
            )
          )}
        </table>
        <div className="jp-CostWidget-count">
          {trans.__(
            '%1 of %2 resources',
            rows.length,
            snapshot.resources.length
          )}
        </div>
      </>
    );
  }

  private _row(
    r: ISpendResource,
    now: number,
    currency: ICurrency
  ): React.ReactElement {
    const trans = this._trans;
    const started = r.started_at ? new Date(r.started_at) : null;
    const since = started
      ? formatDuration((now - started.getTime()) / 1000, trans)
      : '—';
    return (
      <tr
        key={r.id}
        data-resource-id={r.id}
        className={
          r.warnings.some(code => code !== 'price-unknown')
            ? 'jp-CostWidget-row-warn'
            : ''
        }
      >
        <td>{kindLabel(r.kind, trans)}</td>
        <td className="jp-CostWidget-name">
          {r.name}
          {r.app_type && r.kind === 'app' ? (
            <span className="jp-CostWidget-apptype">{` (${r.app_type})`}</span>
          ) : null}
        </td>
        <td>{r.owner ?? '—'}</td>
        <td>{formatInstance(r.instance_type, r.count)}</td>
        <td>{r.status ?? '—'}</td>
        <td title={r.started_at ?? ''}>{since}</td>
        <td className="jp-CostWidget-num">
          {formatRate(r.per_hour, { currency }, trans)}
          <PriceMarker resource={r} trans={trans} />
        </td>
        <td className="jp-CostWidget-num">
          {formatMoney(r.accrued, { currency })}
        </td>
        <td>
          {isStoppable(r) ? (
            <button
              className="jp-mod-styled jp-mod-warn jp-CostWidget-stop"
              type="button"
              data-resource-id={r.id}
              onClick={() => void this._confirmStop(r)}
            >
              {trans.__('Stop')}
            </button>
          ) : (
            <span
              className="jp-CostWidget-not-stoppable"
              title={
                r.stop_refused_reason ??
                trans.__('This cannot be stopped from here.')
              }
            >
              —
            </span>
          )}
        </td>
      </tr>
    );
  }

  private async _confirmStop(resource: ISpendResource): Promise<void> {
    const trans = this._trans;
    const rate = formatRate(
      resource.per_hour,
      { currency: this._currency },
      trans
    );
    const result = await showDialog({
      title: trans.__('Stop %1?', resource.name),
      body: (
        <div className="jp-CostWidget-confirm">
          <p>
            {trans.__(
              '%1 %2 (%3), owner %4, bills %5.',
              kindLabel(resource.kind, trans),
              resource.name,
              formatInstance(resource.instance_type, resource.count),
              resource.owner ?? trans.__('unknown'),
              rate
            )}
          </p>
          <p>{stopEffect(resource, trans)}</p>
        </div>
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Stop it') })
      ]
    });
    if (!result.button.accept) {
      return;
    }
    this._setStatus(trans.__('Stopping %1…', resource.name), false);
    try {
      const answer = await this.model.stop(resource.id);
      const message = trans.__(
        '%1: %2 sent (it billed %3).',
        resource.name,
        answer.action,
        rate
      );
      this._setStatus(message, false);
      Notification.success(message, { autoClose: 8000 });
    } catch (reason) {
      const why = reason instanceof Error ? reason.message : String(reason);
      const message = trans.__('Could not stop %1: %2', resource.name, why);
      this._setStatus(message, true);
      Notification.error(message, { autoClose: false });
    }
  }

  private _setStatus(message: string, isError: boolean): void {
    this._status = { message, isError };
    this.update();
  }

  private _settings: MeterSettings;
  private _trans: TranslationBundle;
  private _scope: ScopeName | 'all' = 'all';
  private _filter = '';
  private _sortKey: SortKey = 'per_hour';
  private _descending = true;
  private _refreshing = false;
  private _status: { message: string; isError: boolean } = {
    message: '',
    isError: false
  };
}

function historySpan(history: ReadonlyArray<{ t: string }>): number {
  const times = history.map(p => new Date(p.t).getTime()).filter(isFinite);
  return times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
}

/**
 * A small mark after a rate that is not a plain list price: "d" for a price derived by AWS's
 * same-compute-price rule, "≈" for an estimate; the tooltip says why.
 */
export function PriceMarker(props: {
  resource: ISpendResource;
  trans: TranslationBundle;
}): React.ReactElement | null {
  const { resource: r, trans } = props;
  const notes = r.notes ?? [];
  if (r.price_source === 'derived') {
    return (
      <sup
        className="jp-CostWidget-price-derived"
        title={
          notes.find(n => n.startsWith('Derived:')) ??
          trans.__('Derived from the same instance type under another product.')
        }
      >
        {trans.__('d')}
      </sup>
    );
  }
  if (r.price_estimate) {
    return (
      <sup
        className="jp-CostWidget-price-estimate"
        title={notes.join(' ') || trans.__('An estimate.')}
      >
        ≈
      </sup>
    );
  }
  return null;
}
