/**
 * A value fetched from the server extension on a `Poll`: the core of every model.
 *
 * Backoff while fetches fail (the failure is rethrown to the Poll), standby while the tab is
 * hidden, and the last good value kept when a later fetch fails.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

export interface IPolledValueOptions<T> {
  /** The Poll's name (shows in Lumino's debugging). */
  name: string;
  /** Fetches one value; `refresh` asks the server for fresh data. */
  fetch: (refresh: boolean) => Promise<T>;
  /** Poll interval in ms. */
  interval: number;
  /** Longest backoff interval in ms while failing. */
  maxInterval: number;
  /** Start polling at once (default true; tests drive `update` themselves). */
  autoStart?: boolean;
}

export class PolledValue<T> {
  constructor(options: IPolledValueOptions<T>) {
    this._fetch = options.fetch;
    this._maxInterval = options.maxInterval;
    this._poll = new Poll({
      name: options.name,
      auto: options.autoStart ?? true,
      factory: async () => {
        await this.update(false);
        if (this._error) {
          // Rethrow so the Poll backs off while the server or AWS is failing.
          throw this._error;
        }
      },
      frequency: {
        interval: options.interval,
        backoff: true,
        max: Math.max(options.interval, options.maxInterval)
      },
      standby: 'when-hidden'
    });
  }

  /** Emitted after every fetch (success or failure). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The latest value received, kept when later fetches fail. */
  get value(): T | null {
    return this._value;
  }

  /** Why the last fetch failed, or null when it succeeded. */
  get error(): Error | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Change the poll interval (ms), e.g. when the user edits a setting. */
  setInterval(interval: number): void {
    if (interval > 0 && interval !== this._poll.frequency.interval) {
      this._poll.frequency = {
        ...this._poll.frequency,
        interval,
        max: Math.max(interval, this._maxInterval)
      };
    }
  }

  /** Fetch once now; never throws (the error is kept in `error`). */
  async update(refresh = false): Promise<void> {
    try {
      const value = await this._fetch(refresh);
      if (this._isDisposed) {
        return;
      }
      this._value = value;
      this._error = null;
      this.onValue(value);
    } catch (reason) {
      if (this._isDisposed) {
        return;
      }
      this._error =
        reason instanceof Error ? reason : new Error(String(reason));
    }
    this._changed.emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Called after each successful fetch, before `changed` is emitted. */
  protected onValue(value: T): void {
    // nothing by default
  }

  private _fetch: (refresh: boolean) => Promise<T>;
  private _maxInterval: number;
  private _poll: Poll;
  private _value: T | null = null;
  private _error: Error | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
