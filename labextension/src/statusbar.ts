/**
 * The status bar meter: `$1.46/h · $12.30` (mine: burn rate, cost today) and a badge with the
 * number of critical warnings. A view of `SpendModel`; it never fetches anything itself.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  conversionNote,
  formatAge,
  formatDuration,
  formatMoney,
  formatRate,
  isConverted
} from './format';
import { SpendModel } from './model';
import { MeterSettings } from './settings';
import { costToday, criticalWarnings, scopeTotal } from './spend';
import { ScopeName, SCOPES } from './types';

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

export class SpendStatusItem extends Widget {
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
    super();
    this._model = options.model;
    this._settings = options.settings;
    this._trans = options.trans;
    this.addClass('jp-CostWidget-status');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this._text = document.createElement('span');
    this._text.className = 'jp-CostWidget-status-text';
    this._age = document.createElement('span');
    this._age.className = 'jp-CostWidget-status-age';
    this._badge = document.createElement('span');
    this._badge.className = 'jp-CostWidget-badge';
    this.node.append(this._text, this._age, this._badge);
    this._text.textContent = '…';
    this.node.addEventListener('click', () => options.onOpen());
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        options.onOpen();
      }
    });
    this._model.changed.connect(this.render, this);
    this._settings.changed.connect(this.render, this);
    SpendStatusItem.tooltipExtrasChanged.connect(this.render, this);
    // The "as of N min ago" text ages between polls.
    this._timer = window.setInterval(() => this.render(), 30000);
    this.render();
  }

  dispose(): void {
    window.clearInterval(this._timer);
    super.dispose();
  }

  render(): void {
    const trans = this._trans;
    const model = this._model;
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
    this._age.textContent = '';

    if (!snapshot) {
      this._badge.textContent = '';
      this._badge.hidden = true;
      if (model.serverMissing) {
        this._text.textContent = trans.__(
          'costwidget: server extension missing'
        );
        this.node.title = trans.__(
          'The jupyter_costwidget server extension is not installed or not enabled. Run: jupyter server extension enable jupyter_costwidget'
        );
      } else if (model.error) {
        this._text.textContent = trans.__('$?/h');
        this.node.title = trans.__(
          'Spend unavailable: %1',
          model.error.message
        );
      } else {
        this._text.textContent = '…';
        this.node.title = trans.__('Loading SageMaker spend…');
      }
      return;
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
    this._text.textContent = text;
    this._text.dataset.perHour =
      total.per_hour === null ? '' : String(total.per_hour);

    const level = meterLevel(
      total.per_hour,
      settings.warnPerHour,
      settings.criticalPerHour
    );
    if (level !== 'ok') {
      this.addClass(`jp-CostWidget-level-${level}`);
    }
    if (model.stale) {
      // Fresh snapshot with a failing source: "stale"; an old snapshot says how old.
      const age = model.ageSeconds ?? 0;
      this._age.textContent =
        age < 60
          ? trans.__('stale')
          : trans.__('as of %1 ago', formatDuration(age, trans));
    }
    const critical = criticalWarnings(snapshot).length;
    this._badge.hidden = critical === 0;
    this._badge.textContent = critical ? String(critical) : '';
    this._badge.title = trans._n(
      '%1 critical warning',
      '%1 critical warnings',
      critical
    );
    this.node.title = this._tooltip(local);
  }

  private _tooltip(local: boolean): string {
    const trans = this._trans;
    const snapshot = this._model.snapshot!;
    const currency = this._settings.value.currency;
    const labels: Record<ScopeName, string> = {
      self: trans.__('This app'),
      mine: trans.__('Mine'),
      domain: trans.__('Domain'),
      region: trans.__('Region')
    };
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
          labels[scope],
          formatRate(t.per_hour, opts, trans),
          formatMoney(t.accrued, opts)
        ) + (t.unpriced ? ' ' + trans.__('(%1 unpriced)', t.unpriced) : '')
      );
    }
    lines.push(
      trans.__('Updated: %1', formatAge(this._model.ageSeconds, trans))
    );
    if (this._model.stale) {
      const reason =
        this._model.error?.message ?? snapshot.errors?.[0]?.message ?? '';
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

  private _model: SpendModel;
  private _settings: MeterSettings;
  private _trans: TranslationBundle;
  private _text: HTMLSpanElement;
  private _age: HTMLSpanElement;
  private _badge: HTMLSpanElement;
  private _timer: number;
}
