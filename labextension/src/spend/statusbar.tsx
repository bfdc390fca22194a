/**
 * The status bar meter: `$1.46/h · $12.30` (mine: burn rate, cost today) and a badge with the
 * number of critical warnings. A `VDomRenderer` of `SpendModel` (a `TextItem`, as the
 * status bar's own items); it never fetches anything itself.
 */
import { TextItem } from '@jupyterlab/statusbar';
import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import {
  conversionNote,
  formatAge,
  formatDuration,
  formatMoney,
  formatRate,
  isConverted
} from '../format';
import { SpendModel } from './model';
import { MeterSettings } from '../settings';
import { scopeLabel } from './labels';
import { costToday, criticalWarnings, scopeTotal } from './rows';
import { ScopeName, SCOPES } from '../types';

export type MeterLevel = 'ok' | 'warn' | 'critical';

/** The colour level of a burn rate against the user's thresholds (USD per hour). */
export function meterLevel(
  perHour: number | null,
  warnPerHour: number,
  criticalPerHour: number
): MeterLevel {
  if (perHour === null || perHour === undefined) {
    return 'ok';
  }
  if (criticalPerHour > 0 && perHour >= criticalPerHour) {
    return 'critical';
  }
  if (warnPerHour > 0 && perHour >= warnPerHour) {
    return 'warn';
  }
  return 'ok';
}

export class SpendStatusItem extends VDomRenderer<SpendModel> {
  /** Extra tooltip lines from other features (e.g. billed month to date); null: none. */
  static tooltipExtras: Array<() => string | null> = [];
  /** Emitted by those features when their lines change (every item re-renders). */
  static tooltipExtrasChanged = new Signal<typeof SpendStatusItem, void>(
    SpendStatusItem
  );

  constructor(options: {
    model: SpendModel;
    settings: MeterSettings;
    trans: TranslationBundle;
    onOpen: () => void;
  }) {
    super(options.model);
    this._settings = options.settings;
    this._trans = options.trans;
    this.addClass('jp-CostWidget-status');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this.node.addEventListener('click', () => options.onOpen());
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        options.onOpen();
      }
    });
    this._settings.changed.connect(this.update, this);
    SpendStatusItem.tooltipExtrasChanged.connect(this.update, this);
    // The "as of N min ago" text ages between polls.
    this._timer = window.setInterval(() => this.update(), 30000);
  }

  dispose(): void {
    window.clearInterval(this._timer);
    this._settings.changed.disconnect(this.update, this);
    SpendStatusItem.tooltipExtrasChanged.disconnect(this.update, this);
    super.dispose();
  }

  protected render(): React.ReactElement {
    const trans = this._trans;
    const model = this.model;
    const snapshot = model.snapshot;
    const settings = this._settings.value;
    const currency = settings.currency;
    this.removeClass('jp-CostWidget-level-warn');
    this.removeClass('jp-CostWidget-level-critical');
    this.toggleClass(
      'jp-CostWidget-stale',
      model.stale || (!snapshot && !!model.error)
    );
    this.toggleClass('jp-CostWidget-missing', model.serverMissing);

    if (!snapshot) {
      let text = '…';
      if (model.serverMissing) {
        text = trans.__('costwidget: server extension missing');
        this.node.title = trans.__(
          'The jupyter_costwidget server extension is not installed or not enabled. Run: jupyter server extension enable jupyter_costwidget'
        );
      } else if (model.error) {
        text = trans.__('$?/h');
        this.node.title = trans.__(
          'Spend unavailable: %1',
          model.error.message
        );
      } else {
        this.node.title = trans.__('Loading SageMaker spend…');
      }
      return this._item(text, null, '', 0);
    }

    const local = snapshot.context?.environment === 'local';
    // Outside SageMaker there is no "mine": show what the credentials can see.
    const scope: ScopeName = local ? 'region' : 'mine';
    const total = scopeTotal(snapshot, scope);
    const rate = formatRate(
      total.per_hour,
      { currency, unpriced: total.unpriced },
      trans
    );
    let text = local ? trans.__('local · %1', rate) : rate;
    if (settings.showToday) {
      const today = costToday(snapshot, scope);
      text +=
        ' · ' + formatMoney(today.usd, { currency, unpriced: today.unpriced });
    }
    const level = meterLevel(
      total.per_hour,
      settings.warnPerHour,
      settings.criticalPerHour
    );
    if (level !== 'ok') {
      this.addClass(`jp-CostWidget-level-${level}`);
    }
    let age = '';
    if (model.stale) {
      // Fresh snapshot with a failing source: "stale"; an old snapshot says how old.
      const seconds = model.ageSeconds ?? 0;
      age =
        seconds < 60
          ? trans.__('stale')
          : trans.__('as of %1 ago', formatDuration(seconds, trans));
    }
    this.node.title = this._tooltip(local);
    return this._item(
      text,
      total.per_hour,
      age,
      criticalWarnings(snapshot).length
    );
  }

  private _item(
    text: string,
    perHour: number | null,
    age: string,
    critical: number
  ): React.ReactElement {
    const trans = this._trans;
    return (
      <>
        <TextItem
          className="jp-CostWidget-status-text"
          source={text}
          data-per-hour={perHour === null ? '' : String(perHour)}
        />
        <span className="jp-CostWidget-status-age">{age}</span>
        <span
          className="jp-CostWidget-badge"
          hidden={critical === 0}
          title={trans._n(
            '%1 critical warning',
            '%1 critical warnings',
            critical
          )}
        >
          {critical ? String(critical) : ''}
        </span>
      </>
    );
  }

  private _tooltip(local: boolean): string {
    const trans = this._trans;
    const snapshot = this.model.snapshot!;
    const currency = this._settings.value.currency;
    const lines = [
      local
        ? trans.__('SageMaker spend (not running on SageMaker: local)')
        : trans.__('SageMaker spend')
    ];
    for (const scope of SCOPES) {
      const t = scopeTotal(snapshot, scope);
      const opts = { currency, unpriced: t.unpriced };
      lines.push(
        trans.__(
          '%1: %2, %3 so far',
          scopeLabel(scope, trans),
          formatRate(t.per_hour, opts, trans),
          formatMoney(t.accrued, opts)
        ) + (t.unpriced ? ' ' + trans.__('(%1 unpriced)', t.unpriced) : '')
      );
    }
    lines.push(
      trans.__('Updated: %1', formatAge(this.model.ageSeconds, trans))
    );
    if (this.model.stale) {
      const reason =
        this.model.error?.message ?? snapshot.errors?.[0]?.message ?? '';
      lines.push(trans.__('Stale data. %1', reason).trim());
    }
    const critical = criticalWarnings(snapshot).length;
    if (critical) {
      lines.push(
        trans._n('%1 critical warning', '%1 critical warnings', critical)
      );
    }
    if (isConverted(currency)) {
      lines.push(conversionNote(currency, trans));
    }
    for (const extra of SpendStatusItem.tooltipExtras) {
      const line = extra();
      if (line) {
        lines.push(line);
      }
    }
    lines.push(trans.__('Click for details.'));
    return lines.join('\n');
  }

  private _settings: MeterSettings;
  private _trans: TranslationBundle;
  private _timer: number;
}
