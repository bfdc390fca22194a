/**
 * The auto-stop item next to the spend meter: "auto-stop 60m", "auto-stop off", a countdown
 * while warning; a click opens the settings and "why not idle?" dialog.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { countdown, secondsLeft, shortMinutes } from './format';
import { IdleModel } from './model';

export class AutoStopItem extends Widget {
  constructor(options: {
    model: IdleModel;
    trans: TranslationBundle;
    onClick: () => void;
  }) {
    super({ node: document.createElement('button') });
    this._model = options.model;
    this._trans = options.trans;
    this.addClass('jp-CostWidget-autostop');
    this.node.setAttribute('type', 'button');
    this.node.addEventListener('click', options.onClick);
    this._model.changed.connect(this.render, this);
    // The countdown ticks between polls.
    this._timer = window.setInterval(() => this.render(), 1000);
    this.render();
  }

  render(): void {
    const trans = this._trans;
    const status = this._model.status;
    const node = this.node;
    node.classList.remove('jp-mod-warning', 'jp-mod-error', 'jp-mod-off');
    if (!status) {
      node.textContent = this._model.error
        ? trans.__('auto-stop ?')
        : trans.__('auto-stop …');
      node.title = this._model.error
        ? trans.__(
            'Auto-stop status unavailable: %1',
            this._model.error.message
          )
        : '';
      return;
    }
    const left = secondsLeft(status, this._model.fetchedAt, Date.now());
    switch (status.state) {
      case 'warning':
        node.textContent = trans.__('auto-stop in %1', countdown(left ?? 0));
        node.classList.add('jp-mod-warning');
        break;
      case 'stopping':
        node.textContent = trans.__('auto-stop: saving and stopping…');
        node.classList.add('jp-mod-warning');
        break;
      case 'failed':
        node.textContent = trans.__('auto-stop failed');
        node.classList.add('jp-mod-error');
        break;
      case 'disabled':
        node.textContent = trans.__('auto-stop off');
        node.classList.add('jp-mod-off');
        break;
      default:
        node.textContent = trans.__(
          'auto-stop %1',
          shortMinutes(status.timeout_minutes)
        );
    }
    node.title = this._tooltip();
  }

  private _tooltip(): string {
    const trans = this._trans;
    const status = this._model.status;
    if (!status) {
      return '';
    }
    const lines = [
      status.enabled
        ? trans.__(
            'Stops this app after %1 minutes without activity.',
            status.timeout_minutes
          )
        : trans.__('Auto-stop is off.')
    ];
    if (status.blockers.length) {
      lines.push(trans.__('Not idle because:'));
      for (const b of status.blockers) {
        lines.push(`• ${b.name}: ${b.detail}`);
      }
    }
    lines.push(trans.__('Click for settings.'));
    return lines.join('\n');
  }

  dispose(): void {
    window.clearInterval(this._timer);
    super.dispose();
  }

  private _model: IdleModel;
  private _trans: TranslationBundle;
  private _timer: number;
}
