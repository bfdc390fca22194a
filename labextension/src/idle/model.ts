/**
 * The auto-stop model: polls GET costwidget/api/idle (without activity tracking), registers
 * this tab as a connected front-end, reports real user input (at most once a minute) and
 * answers the server's save requests.
 */
import { UUID } from '@lumino/coreutils';

import { PolledValue } from '../polled';
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

export class IdleModel extends PolledValue<IIdleStatus> {
  constructor(options: IIdleModelOptions) {
    const api = options.api ?? serverIdleApi;
    const listUnsaved = options.listUnsaved ?? (() => []);
    const interval = options.interval ?? 15000;
    const clientId = UUID.uuid4();
    super(
      {
        name: 'jupyter-costwidget:idle',
        interval,
        maxInterval: 120000,
        // Never on standby: a hidden tab must still answer a save request before a stop.
        standby: 'never'
      },
      () => api.get(clientId, listUnsaved()),
      { autoStart: options.autoStart }
    );
    this.clientId = clientId;
    this._api = api;
    this._saveAll = options.saveAll;
    this._now = options.now ?? (() => Date.now());
    this._interval = interval;
    this._urgent = options.urgentInterval ?? 2000;
  }

  readonly clientId: string;

  get status(): IIdleStatus | null {
    return this.value;
  }

  /** When the current status was received (this browser's clock, ms). */
  get fetchedAt(): number {
    return this._fetchedAt;
  }

  async setEnabled(enabled: boolean): Promise<void> {
    this.setValue(await this._api.put({ enabled }));
  }

  async setSettings(enabled: boolean, timeoutMinutes: number): Promise<void> {
    this.setValue(
      await this._api.put({ enabled, timeout_minutes: timeoutMinutes })
    );
  }

  /** "Keep running" (null: restart the idle clock) or "Keep running 1 h" (60). */
  async keepRunning(minutes: number | null): Promise<void> {
    this.setValue(await this._api.keepalive(minutes));
  }

  /** Arm (true) or cancel (false) "stop when done". */
  async setStopWhenDone(armed: boolean): Promise<void> {
    this.setValue(await this._api.stopWhenDone(armed));
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

  protected onValue(status: IIdleStatus): void {
    this._fetchedAt = this._now();
    // Armed "stop when done": its warning starts whenever the work ends, so poll closely.
    const urgent =
      ['warning', 'stopping'].includes(status.state) ||
      status.stop_when_done.armed;
    let interval = urgent ? this._urgent : this._interval;
    if (!urgent && status.seconds_left !== null) {
      // Poll again when the warning is due, so the countdown starts on time.
      const untilWarning =
        (status.seconds_left - status.grace_minutes * 60) * 1000;
      interval = Math.min(interval, Math.max(this._urgent, untilWarning));
    }
    this.setInterval(interval);
  }

  /** A new save request is answered once. */
  protected async afterValue(status: IIdleStatus): Promise<void> {
    const request = status.save_request;
    if (request && !this._answered.has(request.id)) {
      this._answered.add(request.id);
      await this._answerSave(request.id);
    }
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
    this.stateChanged.emit();
  }

  private _api: IIdleApi;
  private _saveAll: DocumentSaver;
  private _now: () => number;
  private _interval: number;
  private _urgent: number;
  private _answered = new Set<string>();
  private _lastActivity = 0;
  private _fetchedAt = 0;
}
