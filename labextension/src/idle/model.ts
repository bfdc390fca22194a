/**
 * The auto-stop model: polls GET costwidget/api/idle (without activity tracking), registers
 * this tab as a connected front-end, reports real user input (at most once a minute) and
 * answers the server's save requests.
 */
import { Poll } from '@lumino/polling';
import { UUID } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import { IIdleApi, serverIdleApi } from './api';
import { IIdleStatus } from './types';

/** Saves every unsaved document of this tab; resolves to the errors (empty: all saved). */
export type DocumentSaver = () => Promise<string[]>;

export const ACTIVITY_INTERVAL_MS = 60000;

/** Paths of this tab's documents with unsaved changes. */
export type UnsavedLister = () => string[];

export interface IIdleModelOptions {
  api?: IIdleApi;
  saveAll: DocumentSaver;
  /** Reported with every poll, so a tab that goes silent still holds the stop. */
  listUnsaved?: UnsavedLister;
  /** Poll interval in ms while nothing is about to happen (default 15 s). */
  interval?: number;
  /** Poll interval in ms while warning or stopping (default 2 s). */
  urgentInterval?: number;
  autoStart?: boolean;
  now?: () => number;
}

export class IdleModel {
  constructor(options: IIdleModelOptions) {
    this._api = options.api ?? serverIdleApi;
    this._saveAll = options.saveAll;
    this._listUnsaved = options.listUnsaved ?? (() => []);
    this._now = options.now ?? (() => Date.now());
    this._interval = options.interval ?? 15000;
    this._urgent = options.urgentInterval ?? 2000;
    // Never on standby: a hidden tab must still answer a save request before a stop.
    this._poll = new Poll({
      name: 'jupyter-costwidget:idle',
      auto: options.autoStart ?? true,
      factory: async () => {
        await this.update();
        if (this._error) {
          throw this._error;
        }
      },
      frequency: {
        interval: this._interval,
        backoff: true,
        max: Math.max(this._interval, 120000)
      },
      standby: 'never'
    });
  }

  readonly clientId = UUID.uuid4();

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get status(): IIdleStatus | null {
    return this._status;
  }

  get error(): Error | null {
    return this._error;
  }

  /** When the current status was received (this browser's clock, ms). */
  get fetchedAt(): number {
    return this._fetchedAt;
  }

  /** Fetch the status now; answer a new save request. */
  async update(): Promise<void> {
    try {
      this._setStatus(await this._api.get(this.clientId, this._listUnsaved()));
      this._error = null;
    } catch (reason) {
      this._error = reason as Error;
      this._changed.emit();
      return;
    }
    const request = this._status?.save_request;
    if (request && !this._answered.has(request.id)) {
      this._answered.add(request.id);
      await this._answerSave(request.id);
    }
  }

  async setEnabled(enabled: boolean): Promise<void> {
    this._setStatus(await this._api.put({ enabled }));
  }

  async setSettings(enabled: boolean, timeoutMinutes: number): Promise<void> {
    this._setStatus(
      await this._api.put({ enabled, timeout_minutes: timeoutMinutes })
    );
  }

  /** "Keep running" (null: restart the idle clock) or "Keep running 1 h" (60). */
  async keepRunning(minutes: number | null): Promise<void> {
    this._setStatus(await this._api.keepalive(minutes));
  }

  /** Real user input happened in this tab; sent at most once a minute. */
  reportActivity(): void {
    const now = this._now();
    if (now - this._lastActivity < ACTIVITY_INTERVAL_MS) {
      return;
    }
    this._lastActivity = now;
    void this._api.activity(this.clientId).catch(() => {
      // A lost report only makes an auto-stop warning come earlier; the user can keep running.
      this._lastActivity = 0;
    });
  }

  /** This tab is closing: it will not answer save requests any more. */
  unregister(): void {
    void this._api.bye(this.clientId).catch(() => undefined);
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _answerSave(id: string): Promise<void> {
    let errors: string[];
    try {
      errors = await this._saveAll();
    } catch (reason) {
      errors = [String(reason)];
    }
    const ok = errors.length === 0;
    try {
      await this._api.saved(
        id,
        this.clientId,
        ok,
        ok ? null : errors.join('; ')
      );
    } catch (reason) {
      console.warn('jupyter-costwidget: could not acknowledge saving', reason);
    }
    this._changed.emit();
  }

  private _setStatus(status: IIdleStatus): void {
    this._status = status;
    this._fetchedAt = this._now();
    const urgent = ['warning', 'stopping'].includes(status.state);
    let interval = urgent ? this._urgent : this._interval;
    if (!urgent && status.seconds_left !== null) {
      // Poll again when the warning is due, so the countdown starts on time.
      const untilWarning =
        (status.seconds_left - status.grace_minutes * 60) * 1000;
      interval = Math.min(interval, Math.max(this._urgent, untilWarning));
    }
    if (this._poll.frequency.interval !== interval) {
      this._poll.frequency = { ...this._poll.frequency, interval };
    }
    this._changed.emit();
  }

  private _api: IIdleApi;
  private _saveAll: DocumentSaver;
  private _listUnsaved: UnsavedLister;
  private _now: () => number;
  private _interval: number;
  private _urgent: number;
  private _poll: Poll;
  private _status: IIdleStatus | null = null;
  private _error: Error | null = null;
  private _answered = new Set<string>();
  private _lastActivity = 0;
  private _fetchedAt = 0;
  private _changed = new Signal<this, void>(this);
}
