/**
 * Notifications of the auto-stop: one warning toast while the countdown runs, with
 * "Keep running" (restart the idle clock) and "Keep running 1 h" (a keep-alive); one toast
 * when a stop failed or was cancelled, saying why (with the IAM hint). A stop cancelled before
 * this tab opened is not told: the user who cancelled it was there; a failed one is, as the
 * app may still be billing.
 */
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { countdown, secondsLeft } from './format';
import { IdleModel } from './model';

export class AutoStopNotifier {
  constructor(
    private _model: IdleModel,
    private _trans: TranslationBundle
  ) {
    _model.changed.connect(this._onChanged, this);
  }

  private _onChanged(): void {
    const status = this._model.status;
    if (!status) {
      return;
    }
    const trans = this._trans;
    if (status.state === 'warning') {
      const left = secondsLeft(status, this._model.fetchedAt, Date.now()) ?? 0;
      const message = status.stop_when_done.armed
        ? trans.__(
            'The work is done: this app stops in %1, as you asked. Unsaved documents are saved first.',
            countdown(left)
          )
        : trans.__(
            'This app stops in %1 because it is idle. Unsaved documents are saved first.',
            countdown(left)
          );
      const actions = [
        {
          label: trans.__('Keep running'),
          caption: trans.__('Restart the idle clock'),
          callback: () => void this._keep(null)
        },
        {
          label: trans.__('Keep running 1 h'),
          caption: trans.__('Do not stop for one hour'),
          callback: () => void this._keep(60)
        }
      ];
      if (this._warningId) {
        Notification.update({ id: this._warningId, message, actions });
      } else {
        this._warningId = Notification.warning(message, {
          autoClose: false,
          actions
        });
      }
    } else if (this._warningId && status.state !== 'stopping') {
      Notification.dismiss(this._warningId);
      this._warningId = null;
    }
    const last = status.last_action;
    const key = last ? `${last.finished}` : '';
    const firstStatus = !this._seenStatus;
    this._seenStatus = true;
    if (last && !last.ok && last.cancelled && firstStatus) {
      this._lastKey = key;
    } else if (last && !last.ok && key !== this._lastKey) {
      this._lastKey = key;
      const text = [last.message, last.error?.hint].filter(Boolean).join(' ');
      if (last.cancelled) {
        Notification.warning(trans.__('Auto-stop cancelled. %1', text), {
          autoClose: 10000
        });
      } else {
        Notification.error(trans.__('Auto-stop failed. %1', text), {
          autoClose: false
        });
      }
    } else if (last) {
      this._lastKey = key;
    }
  }

  private async _keep(minutes: number | null): Promise<void> {
    if (this._warningId) {
      Notification.dismiss(this._warningId);
      this._warningId = null;
    }
    try {
      await this._model.keepRunning(minutes);
    } catch (reason) {
      Notification.error(
        this._trans.__('Could not keep the app running: %1', String(reason))
      );
    }
  }

  private _warningId: string | null = null;
  private _lastKey = '';
  private _seenStatus = false;
}
