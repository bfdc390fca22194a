/** The auto-stop dialog: on/off, timeout within the admin's bounds, and "why not idle?". */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IdleModel } from './model';
import { whenDoneExplanation } from './when-done';
import { IIdleStatus } from './types';

interface IDialogValue {
  enabled: boolean;
  timeout: number;
  whenDone: boolean;
}

class AutoStopBody extends Widget implements Dialog.IBodyWidget<IDialogValue> {
  constructor(status: IIdleStatus, trans: TranslationBundle) {
    super();
    this.addClass('jp-CostWidget-autostopDialog');
    const node = this.node;

    const enabledLabel = document.createElement('label');
    this._enabled = document.createElement('input');
    this._enabled.type = 'checkbox';
    this._enabled.checked = status.enabled;
    this._enabled.disabled = status.enforced;
    this._enabled.dataset.testid = 'autostop-enabled';
    enabledLabel.append(
      this._enabled,
      ' ',
      trans.__('Stop this app when idle')
    );
    node.appendChild(enabledLabel);
    if (status.enforced) {
      node.appendChild(
        paragraph(
          trans.__('Required by your administrator.'),
          'jp-CostWidget-autostopNote'
        )
      );
    }

    const timeoutLabel = document.createElement('label');
    this._timeout = document.createElement('input');
    this._timeout.type = 'number';
    this._timeout.min = String(status.bounds.min);
    this._timeout.max = String(status.bounds.max);
    this._timeout.step = 'any';
    this._timeout.value = String(status.timeout_minutes);
    this._timeout.dataset.testid = 'autostop-timeout';
    timeoutLabel.append(
      trans.__(
        'after (minutes, %1–%2): ',
        status.bounds.min,
        status.bounds.max
      ),
      this._timeout
    );
    node.appendChild(timeoutLabel);

    const whenDoneLabel = document.createElement('label');
    this._whenDone = document.createElement('input');
    this._whenDone.type = 'checkbox';
    this._whenDone.checked = status.stop_when_done.armed;
    this._whenDone.dataset.testid = 'autostop-when-done';
    whenDoneLabel.append(
      this._whenDone,
      ' ',
      trans.__('Stop once the running work is done (once)')
    );
    node.appendChild(whenDoneLabel);
    for (const text of whenDoneExplanation(trans)) {
      node.appendChild(paragraph(text, 'jp-CostWidget-autostopNote'));
    }

    node.appendChild(heading(trans.__('Why not idle?')));
    if (status.blockers.length === 0) {
      node.appendChild(
        paragraph(
          status.enabled
            ? trans.__(
                'Nothing is running; idle for %1 s.',
                status.idle_seconds
              )
            : trans.__('Nothing is running.')
        )
      );
    } else {
      const list = document.createElement('ul');
      list.dataset.testid = 'autostop-blockers';
      for (const b of status.blockers) {
        const item = document.createElement('li');
        item.textContent = `${b.name}: ${b.detail}`;
        list.appendChild(item);
      }
      node.appendChild(list);
    }
    if (status.schedule.next) {
      node.appendChild(
        paragraph(
          trans.__(
            'Scheduled stop: %1 (%2)',
            new Date(status.schedule.next).toLocaleString(),
            status.schedule.spec ?? ''
          )
        )
      );
    }
    const last = status.last_action;
    if (last) {
      node.appendChild(heading(trans.__('Last auto-stop')));
      const text = last.ok
        ? (last.summary ?? '')
        : [last.message, last.error?.hint].filter(Boolean).join(' ');
      node.appendChild(
        paragraph(text, last.ok ? '' : 'jp-CostWidget-autostopFailed')
      );
    }
    if (status.dry_run) {
      node.appendChild(
        paragraph(
          trans.__('Dry run: stops are only logged.'),
          'jp-CostWidget-autostopNote'
        )
      );
    }
  }

  getValue(): IDialogValue {
    return {
      enabled: this._enabled.checked,
      timeout: Number(this._timeout.value),
      whenDone: this._whenDone.checked
    };
  }

  private _enabled: HTMLInputElement;
  private _whenDone: HTMLInputElement;
  private _timeout: HTMLInputElement;
}

function heading(text: string): HTMLElement {
  const h = document.createElement('h4');
  h.textContent = text;
  return h;
}

// Not `jp-mod-error`: JupyterLab's Dialog disables its accept button when the body has it.
function paragraph(text: string, className = ''): HTMLElement {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) {
    p.className = className;
  }
  return p;
}

/** Show the dialog; apply the user's choice (the server validates and may refuse). */
export async function openAutoStopDialog(
  model: IdleModel,
  trans: TranslationBundle
): Promise<void> {
  await model.update();
  const status = model.status;
  if (!status) {
    await showDialog({
      title: trans.__('Auto-stop'),
      body: trans.__(
        'The auto-stop status is unavailable: %1',
        model.error?.message ?? ''
      ),
      buttons: [Dialog.okButton({ label: trans.__('Close') })]
    });
    return;
  }
  const result = await showDialog({
    title: trans.__('Auto-stop'),
    body: new AutoStopBody(status, trans),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Apply') })
    ]
  });
  if (!result.button.accept || !result.value) {
    return;
  }
  try {
    await model.setSettings(result.value.enabled, result.value.timeout);
    if (result.value.whenDone !== status.stop_when_done.armed) {
      await model.setStopWhenDone(result.value.whenDone);
    }
  } catch (reason) {
    await showDialog({
      title: trans.__('Auto-stop settings not changed'),
      body: reason instanceof Error ? reason.message : String(reason),
      buttons: [Dialog.okButton({ label: trans.__('Close') })]
    });
  }
}
