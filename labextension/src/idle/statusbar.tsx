/**
 * The auto-stop item next to the spend meter: "auto-stop 60m", "auto-stop off", a countdown
 * while warning; a click opens the settings and "why not idle?" dialog. A `VDomRenderer` of
 * `IdleModel` rendering a `TextItem`.
 */
import { TextItem } from '@jupyterlab/statusbar';
import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { countdown, secondsLeft, shortMinutes } from './format';
import { IdleModel } from './model';

const STATE_CLASSES = [
  'jp-mod-warning',
  'jp-mod-error',
  'jp-mod-off',
  'jp-mod-armed'
];

export class AutoStopItem extends VDomRenderer<IdleModel> {
  constructor(options: {
    model: IdleModel;
    trans: TranslationBundle;
    onClick: () => void;
  }) {
    super(options.model);
    this._trans = options.trans;
    this.addClass('jp-CostWidget-autostop');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this.node.addEventListener('click', options.onClick);
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        options.onClick();
      }
    });
    // The countdown ticks between polls.
    this._timer = window.setInterval(() => this.update(), 1000);
  }

  dispose(): void {
    window.clearInterval(this._timer);
    super.dispose();
  }

  protected render(): React.ReactElement {
    const trans = this._trans;
    const model = this.model;
    const status = model.status;
    for (const name of STATE_CLASSES) {
      this.removeClass(name);
    }
    if (!status) {
      this.node.title = model.error
        ? trans.__('Auto-stop status unavailable: %1', model.error.message)
        : '';
      return (
        <TextItem
          source={
            model.error ? trans.__('auto-stop ?') : trans.__('auto-stop …')
          }
        />
      );
    }
    const left = secondsLeft(status, model.fetchedAt, Date.now());
    // Each state's text and the class that colours it.
    const shown: Record<string, [string, string | null]> = {
      warning: [
        trans.__('auto-stop in %1', countdown(left ?? 0)),
        'jp-mod-warning'
      ],
      stopping: [trans.__('auto-stop: saving and stopping…'), 'jp-mod-warning'],
      failed: [trans.__('auto-stop failed'), 'jp-mod-error'],
      disabled: [trans.__('auto-stop off'), 'jp-mod-off']
    };
    if (status.stop_when_done.state === 'waiting') {
      shown.active = [trans.__('stops when done'), 'jp-mod-armed'];
    }
    const [text, stateClass] = shown[status.state] ?? [
      trans.__('auto-stop %1', shortMinutes(status.timeout_minutes)),
      null
    ];
    if (stateClass) {
      this.addClass(stateClass);
    }
    this.node.title = this._tooltip();
    return <TextItem source={text} />;
  }

  private _tooltip(): string {
    const trans = this._trans;
    const status = this.model.status;
    if (!status) {
      return '';
    }
    const lines = [
      ...(status.stop_when_done.armed
        ? [
            trans.__(
              'Stops this app once the running work is done (after a short warning).'
            )
          ]
        : []),
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

  private _trans: TranslationBundle;
  private _timer: number;
}
