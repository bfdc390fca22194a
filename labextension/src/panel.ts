/**
 * The spend panel: totals per scope, errors with hints, warnings explained, two small charts,
 * and a sortable, filterable resource table with stop buttons. A view of `SpendModel`.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { barChart, historyChart } from './chart';
import {
  conversionNote,
  formatAge,
  formatDuration,
  formatInstance,
  formatMoney,
  formatRate,
  ICurrency
} from './format';
import { SpendModel } from './model';
import { MeterSettings } from './settings';
import {
  isCritical,
  isStoppable,
  scopeTotal,
  selectResources,
  SortKey,
  spendByKind
} from './spend';
import {
  ISpendResource,
  ISpendSnapshot,
  ISpendWarning,
  ScopeName,
  SCOPES
} from './types';

type Child = Node | string | null | undefined | false;

/** A DOM element with classes/attributes and children (tiny hyperscript). */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') {
      el.className = v;
    } else {
      el.setAttribute(k, v);
    }
  }
  for (const c of children) {
    if (c !== null && c !== undefined && c !== false) {
      el.append(c);
    }
  }
  return el;
}

export function kindLabel(kind: string, trans: TranslationBundle): string {
  const labels: Record<string, string> = {
    app: trans.__('App'),
    'space-storage': trans.__('Space storage'),
    efs: trans.__('EFS'),
    endpoint: trans.__('Endpoint'),
    'training-job': trans.__('Training job'),
    'training-warm-pool': trans.__('Training warm pool'),
    'processing-job': trans.__('Processing job'),
    'transform-job': trans.__('Transform job'),
    'notebook-instance': trans.__('Notebook instance')
  };
  return labels[kind] ?? kind;
}

export function scopeLabel(scope: ScopeName, trans: TranslationBundle): string {
  return {
    self: trans.__('This app'),
    mine: trans.__('Mine'),
    domain: trans.__('Domain'),
    region: trans.__('Region')
  }[scope];
}

/** What stopping does to a resource, in plain words (shown in the confirm dialog). */
export function stopEffect(
  resource: ISpendResource,
  trans: TranslationBundle
): string {
  switch (resource.kind) {
    case 'app':
      return trans.__(
        'The app is deleted (DeleteApp). Its space or user profile and saved files stay; running kernels and unsaved work in it are lost.'
      );
    case 'endpoint':
      return trans.__(
        'The endpoint is deleted (DeleteEndpoint). Its model and endpoint configuration stay, so it can be created again; clients calling it get errors.'
      );
    case 'notebook-instance':
      return trans.__(
        'The notebook instance is stopped (StopNotebookInstance). Its volume stays (and keeps billing for storage); it can be started again.'
      );
    case 'training-job':
      return trans.__(
        'The training job is stopped (StopTrainingJob). Checkpoints already written stay; the job cannot be resumed.'
      );
    case 'training-warm-pool':
      return trans.__(
        'The warm pool is released (UpdateTrainingJob with KeepAlivePeriodInSeconds 0). The finished job and its results stay; the next job starts on new instances.'
      );
    case 'processing-job':
      return trans.__(
        'The processing job is stopped (StopProcessingJob); it cannot be resumed.'
      );
    case 'transform-job':
      return trans.__(
        'The batch transform job is stopped (StopTransformJob); it cannot be resumed.'
      );
    default:
      return trans.__('This resource cannot be stopped from here.');
  }
}

/** A plain-language explanation of a warning code, with the resource's rate when known. */
export function explainWarning(
  warning: ISpendWarning,
  resource: ISpendResource | undefined,
  currency: ICurrency,
  trans: TranslationBundle
): string {
  const rate = formatRate(resource?.per_hour ?? null, { currency }, trans);
  switch (warning.code) {
    case 'canvas-running':
      return trans.__(
        'Canvas bills %1 until its owner logs out of Canvas or an admin deletes the app. Closing the browser tab does not stop it.',
        rate
      );
    case 'endpoint-idle':
      return trans.__(
        'Nobody called this endpoint recently, but its instances bill %1 whether or not it is used. Delete it if it is no longer needed; its model and configuration stay.',
        rate
      );
    case 'storage-orphaned':
      return trans.__(
        'This file system belonged to a Studio domain that was deleted. It keeps billing for storage until it is deleted; copy anything needed first.'
      );
    case 'long-running':
      return trans.__(
        'GPU instances bill %1 while the app runs, even when no code is running. Stop it when you are done.',
        rate
      );
    case 'warm-pool-idle':
      return trans.__(
        'A finished training job kept its instances for reuse; they bill %1 until the keep-alive period ends, whether or not a job reuses them.',
        rate
      );
    case 'price-unknown':
      return trans.__(
        'No price is known for this resource, so totals that include it are lower bounds (shown as ≥).'
      );
    case 'tag-missing':
      return trans.__(
        'Cost allocation works only for tagged resources: without these tags its %1 cannot be attributed on the bill.',
        rate
      );
    default:
      return '';
  }
}

export class SpendPanel extends Widget {
  /** Sections other features (e.g. billed spend) add at the end of every new panel. */
  static sectionFactories: Array<(panel: SpendPanel) => HTMLElement> = [];

  constructor(options: {
    model: SpendModel;
    settings: MeterSettings;
    trans: TranslationBundle;
  }) {
    super();
    this._model = options.model;
    this._settings = options.settings;
    this._trans = options.trans;
    const trans = this._trans;
    this.id = 'jp-costwidget-spend-panel';
    this.addClass('jp-CostWidget-panel');
    this.title.label = trans.__('SageMaker spend');
    this.title.caption = trans.__('Live SageMaker spend');
    this.title.closable = true;

    this._header = h('div', { class: 'jp-CostWidget-header' });
    this._body = h('div', { class: 'jp-CostWidget-body' });
    this._scopeSelect = h('select', {
      class: 'jp-CostWidget-scope',
      'aria-label': trans.__('Scope')
    });
    for (const scope of ['all', ...SCOPES] as Array<ScopeName | 'all'>) {
      const option = h(
        'option',
        { value: scope },
        scope === 'all' ? trans.__('All resources') : scopeLabel(scope, trans)
      );
      this._scopeSelect.append(option);
    }
    this._scopeSelect.value = this._scope;
    this._scopeSelect.addEventListener('change', () => {
      this._scope = this._scopeSelect.value as ScopeName | 'all';
      this._renderTable();
    });
    this._filterInput = h('input', {
      class: 'jp-CostWidget-filter jp-mod-styled',
      type: 'search',
      placeholder: trans.__('Filter by name, owner, kind…'),
      'aria-label': trans.__('Filter resources')
    });
    this._filterInput.addEventListener('input', () => this._renderTable());
    this._table = h('div', { class: 'jp-CostWidget-table-wrap' });
    this._status = h('div', {
      class: 'jp-CostWidget-action-status',
      role: 'status'
    });
    const tableSection = h(
      'section',
      { class: 'jp-CostWidget-resources' },
      h('h3', {}, trans.__('Resources')),
      h(
        'div',
        { class: 'jp-CostWidget-toolbar' },
        this._scopeSelect,
        this._filterInput
      ),
      this._status,
      this._table
    );
    this.node.append(this._header, this._body, tableSection);
    for (const factory of SpendPanel.sectionFactories) {
      this.node.append(factory(this));
    }
    this._model.changed.connect(this._render, this);
    this._settings.changed.connect(this._render, this);
    this._render();
  }

  private _render(): void {
    this._renderHeader();
    this._renderBody();
    this._renderTable();
  }

  private get _currency(): ICurrency {
    return this._settings.value.currency;
  }

  private _renderHeader(): void {
    const trans = this._trans;
    const model = this._model;
    const snapshot = model.snapshot;
    const refresh = h(
      'button',
      { class: 'jp-mod-styled jp-CostWidget-refresh', type: 'button' },
      trans.__('Refresh')
    );
    refresh.addEventListener('click', () => {
      refresh.disabled = true;
      void model.refresh().finally(() => {
        refresh.disabled = false;
      });
    });
    const ctx = snapshot?.context;
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
    const age = h(
      'span',
      {
        class:
          'jp-CostWidget-age' + (model.stale ? ' jp-CostWidget-stale-text' : '')
      },
      model.stale
        ? trans.__('Stale: %1', formatAge(model.ageSeconds, trans))
        : trans.__('Updated %1', formatAge(model.ageSeconds, trans))
    );
    const note = conversionNote(this._currency, trans);
    const children: Child[] = [
      h(
        'div',
        { class: 'jp-CostWidget-titlebar' },
        h('h2', {}, trans.__('SageMaker spend')),
        age,
        refresh
      ),
      where ? h('div', { class: 'jp-CostWidget-context' }, where) : null,
      note ? h('div', { class: 'jp-CostWidget-converted' }, note) : null
    ];
    this._header.replaceChildren(...(children.filter(Boolean) as Node[]));
  }

  private _renderBody(): void {
    const trans = this._trans;
    const snapshot = this._model.snapshot;
    const parts: Child[] = [];
    parts.push(this._errorsSection(snapshot));
    if (!snapshot) {
      parts.push(
        h(
          'p',
          { class: 'jp-CostWidget-empty' },
          this._model.error ? '' : trans.__('Loading…')
        )
      );
      this._body.replaceChildren(...(parts.filter(Boolean) as Node[]));
      return;
    }
    parts.push(this._totalsSection(snapshot));
    parts.push(this._warningsSection(snapshot));
    parts.push(this._chartsSection(snapshot));
    this._body.replaceChildren(...(parts.filter(Boolean) as Node[]));
  }

  private _errorsSection(snapshot: ISpendSnapshot | null): HTMLElement | null {
    const trans = this._trans;
    const items: HTMLElement[] = [];
    const error = this._model.error;
    if (error) {
      items.push(
        h(
          'li',
          { class: 'jp-CostWidget-error' },
          h('strong', {}, trans.__('Could not reach the costwidget server: ')),
          error.message,
          h(
            'div',
            { class: 'jp-CostWidget-hint' },
            this._model.serverMissing
              ? trans.__(
                  'Enable the server extension: jupyter server extension enable jupyter_costwidget'
                )
              : trans.__(
                  'Showing the last data received; retrying with backoff.'
                )
          )
        )
      );
    }
    for (const e of snapshot?.errors ?? []) {
      items.push(
        h(
          'li',
          { class: 'jp-CostWidget-error' },
          h('strong', {}, e.source),
          ' ',
          h('code', {}, e.code),
          ': ',
          e.message,
          e.hint ? h('div', { class: 'jp-CostWidget-hint' }, e.hint) : null
        )
      );
    }
    if (!items.length) {
      return null;
    }
    return h(
      'section',
      { class: 'jp-CostWidget-errors' },
      h('h3', {}, trans.__('Problems')),
      h('ul', {}, ...items)
    );
  }

  private _totalsSection(snapshot: ISpendSnapshot): HTMLElement {
    const trans = this._trans;
    const currency = this._currency;
    const rows = SCOPES.map(scope => {
      const t = scopeTotal(snapshot, scope);
      const opts = { currency, unpriced: t.unpriced };
      return h(
        'tr',
        { 'data-scope': scope },
        h('th', { scope: 'row' }, scopeLabel(scope, trans)),
        h(
          'td',
          { class: 'jp-CostWidget-num' },
          formatRate(t.per_hour, opts, trans)
        ),
        h('td', { class: 'jp-CostWidget-num' }, formatMoney(t.accrued, opts)),
        h(
          'td',
          {},
          t.unpriced
            ? trans._n(
                '%1 line without a price',
                '%1 lines without a price',
                t.unpriced
              )
            : ''
        )
      );
    });
    return h(
      'section',
      { class: 'jp-CostWidget-totals' },
      h('h3', {}, trans.__('Totals')),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, trans.__('Scope')),
            h('th', {}, trans.__('Rate')),
            h('th', {}, trans.__('Cost so far')),
            h('th', {}, '')
          )
        ),
        h('tbody', {}, ...rows)
      )
    );
  }

  private _warningsSection(snapshot: ISpendSnapshot): HTMLElement | null {
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
    const item = (w: ISpendWarning) => {
      const resource = w.resource_id ? byId.get(w.resource_id) : undefined;
      const explanation = explainWarning(w, resource, this._currency, trans);
      return h(
        'li',
        {
          class:
            'jp-CostWidget-warning' +
            (isCritical(w) ? ' jp-CostWidget-warning-critical' : ''),
          'data-code': w.code
        },
        h('div', {}, w.message),
        explanation
          ? h('div', { class: 'jp-CostWidget-explain' }, explanation)
          : null
      );
    };
    const notesList = notes.length
      ? h(
          'details',
          { class: 'jp-CostWidget-notes' },
          h(
            'summary',
            {},
            trans._n('%1 note', '%1 notes', notes.length),
            notes.every(w => w.code === 'price-unknown')
              ? ' ' +
                  trans.__(
                    '(resources without a known price: totals are lower bounds)'
                  )
              : ''
          ),
          h('ul', {}, ...notes.map(item))
        )
      : null;
    return h(
      'section',
      { class: 'jp-CostWidget-warnings' },
      h('h3', {}, trans.__('Warnings')),
      important.length
        ? h('ul', {}, ...important.map(item))
        : h('p', {}, trans.__('No warnings.')),
      notesList
    );
  }

  private _chartsSection(snapshot: ISpendSnapshot): HTMLElement {
    const trans = this._trans;
    const currency = this._currency;
    const kinds = spendByKind(snapshot.resources).map(k => ({
      label: kindLabel(k.kind, trans),
      value: k.perHour ?? 0,
      text: formatRate(k.perHour, { currency, unpriced: k.unpriced }, trans)
    }));
    const history = snapshot.history ?? [];
    return h(
      'section',
      { class: 'jp-CostWidget-charts' },
      h(
        'figure',
        {},
        h('figcaption', {}, trans.__('Burn rate by kind (all resources)')),
        barChart(kinds, trans.__('Burn rate by kind'))
      ),
      h(
        'figure',
        {},
        h(
          'figcaption',
          {},
          history.length
            ? trans.__(
                'Your burn rate, last %1',
                formatDuration(historySpan(history), trans)
              )
            : trans.__('Your burn rate (no history yet)')
        ),
        historyChart(history, trans.__('Your burn rate over time'), max =>
          formatRate(max, { currency }, trans)
        )
      )
    );
  }

  private _renderTable(): void {
    const trans = this._trans;
    const snapshot = this._model.snapshot;
    if (!snapshot) {
      this._table.replaceChildren();
      return;
    }
    const currency = this._currency;
    const columns: Array<[SortKey, string]> = [
      ['kind', trans.__('Kind')],
      ['name', trans.__('Name')],
      ['owner', trans.__('Owner')],
      ['instance', trans.__('Instance × count')],
      ['status', trans.__('Status')],
      ['started_at', trans.__('Running since')],
      ['per_hour', trans.__('$/h')],
      ['accrued', trans.__('Cost so far')]
    ];
    const head = h(
      'tr',
      {},
      ...columns.map(([key, label]) => {
        const sorted = this._sortKey === key;
        const th = h(
          'th',
          {
            class: 'jp-CostWidget-sortable',
            'data-sort': key,
            'aria-sort': sorted
              ? this._descending
                ? 'descending'
                : 'ascending'
              : 'none',
            tabindex: '0'
          },
          label,
          sorted ? (this._descending ? ' ▾' : ' ▴') : ''
        );
        const sort = () => {
          if (this._sortKey === key) {
            this._descending = !this._descending;
          } else {
            this._sortKey = key;
            this._descending = key === 'per_hour' || key === 'accrued';
          }
          this._renderTable();
        };
        th.addEventListener('click', sort);
        th.addEventListener('keydown', e => {
          if (e.key === 'Enter') {
            sort();
          }
        });
        return th;
      }),
      h('th', {}, '')
    );
    const rows = selectResources(snapshot.resources, {
      scope: this._scope,
      filter: this._filterInput.value,
      sortKey: this._sortKey,
      descending: this._descending
    });
    const now = Date.now();
    const body = rows.map(r => {
      const started = r.started_at ? new Date(r.started_at) : null;
      const since = started
        ? formatDuration((now - started.getTime()) / 1000, trans)
        : '—';
      let action: Child = '';
      if (isStoppable(r)) {
        const button = h(
          'button',
          {
            class: 'jp-mod-styled jp-mod-warn jp-CostWidget-stop',
            type: 'button',
            'data-resource-id': r.id
          },
          trans.__('Stop')
        );
        button.addEventListener('click', () => void this._confirmStop(r));
        action = button;
      } else {
        action = h(
          'span',
          {
            class: 'jp-CostWidget-not-stoppable',
            title:
              r.stop_refused_reason ??
              trans.__('This cannot be stopped from here.')
          },
          '—'
        );
      }
      return h(
        'tr',
        {
          'data-resource-id': r.id,
          class: r.warnings.some(code => code !== 'price-unknown')
            ? 'jp-CostWidget-row-warn'
            : ''
        },
        h('td', {}, kindLabel(r.kind, trans)),
        h(
          'td',
          { class: 'jp-CostWidget-name' },
          r.name,
          r.app_type && r.kind === 'app'
            ? h('span', { class: 'jp-CostWidget-apptype' }, ` (${r.app_type})`)
            : null
        ),
        h('td', {}, r.owner ?? '—'),
        h('td', {}, formatInstance(r.instance_type, r.count)),
        h('td', {}, r.status ?? '—'),
        h('td', { title: r.started_at ?? '' }, since),
        h(
          'td',
          { class: 'jp-CostWidget-num' },
          formatRate(r.per_hour, { currency }, trans),
          priceMarker(r, trans)
        ),
        h(
          'td',
          { class: 'jp-CostWidget-num' },
          formatMoney(r.accrued, { currency })
        ),
        h('td', {}, action)
      );
    });
    const table = h(
      'table',
      { class: 'jp-CostWidget-table' },
      h('thead', {}, head),
      h('tbody', {}, ...body)
    );
    const count = h(
      'div',
      { class: 'jp-CostWidget-count' },
      trans.__('%1 of %2 resources', rows.length, snapshot.resources.length)
    );
    this._table.replaceChildren(table, count);
  }

  private async _confirmStop(resource: ISpendResource): Promise<void> {
    const trans = this._trans;
    const currency = this._currency;
    const rate = formatRate(resource.per_hour, { currency }, trans);
    const body = new Widget();
    body.addClass('jp-CostWidget-confirm');
    body.node.append(
      h(
        'p',
        {},
        trans.__(
          '%1 %2 (%3), owner %4, bills %5.',
          kindLabel(resource.kind, trans),
          resource.name,
          formatInstance(resource.instance_type, resource.count),
          resource.owner ?? trans.__('unknown'),
          rate
        )
      ),
      h('p', {}, stopEffect(resource, trans))
    );
    const result = await showDialog({
      title: trans.__('Stop %1?', resource.name),
      body,
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
      const answer = await this._model.stop(resource.id);
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
    this._status.textContent = message;
    this._status.classList.toggle('jp-CostWidget-action-error', isError);
  }

  private _model: SpendModel;
  private _settings: MeterSettings;
  private _trans: TranslationBundle;
  private _header: HTMLDivElement;
  private _body: HTMLDivElement;
  private _table: HTMLDivElement;
  private _status: HTMLDivElement;
  private _scopeSelect: HTMLSelectElement;
  private _filterInput: HTMLInputElement;
  private _scope: ScopeName | 'all' = 'all';
  private _sortKey: SortKey = 'per_hour';
  private _descending = true;
}

function historySpan(history: ReadonlyArray<{ t: string }>): number {
  const times = history.map(p => new Date(p.t).getTime()).filter(isFinite);
  return times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
}

/**
 * A small mark after a rate that is not a plain list price: "d" for a price derived by AWS's
 * same-compute-price rule, "≈" for an estimate; the tooltip says why.
 */
export function priceMarker(
  r: ISpendResource,
  trans: TranslationBundle
): HTMLElement | null {
  const notes = r.notes ?? [];
  if (r.price_source === 'derived') {
    return h(
      'sup',
      {
        class: 'jp-CostWidget-price-derived',
        title:
          notes.find(n => n.startsWith('Derived:')) ??
          trans.__('Derived from the same instance type under another product.')
      },
      trans.__('d')
    );
  }
  if (r.price_estimate) {
    return h(
      'sup',
      {
        class: 'jp-CostWidget-price-estimate',
        title: notes.join(' ') || trans.__('An estimate.')
      },
      '≈'
    );
  }
  return null;
}
