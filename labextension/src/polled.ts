/**
 * A value fetched from the server extension on a `Poll`: the core of every model.
 *
 * Backoff while fetches fail (the failure is rethrown to the Poll), standby while the tab is
 * hidden (unless told otherwise), and the last good value kept when a later fetch fails.
 * It is a `VDomModel`: views are `VDomRenderer`s that re-render on `stateChanged`.
 */
import { VDomModel } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';
import { ISignal } from '@lumino/signaling';

/** How one model polls: its Poll's name, the usual interval and the longest backoff (ms). */
export interface IPollTiming {
  name: string;
  interval: number;
  maxInterval: number;
  /** When the Poll pauses (default: while the tab is hidden). */
  standby?: Poll.Standby;
}

/** What a model's user may change: the interval, and starting at once (default true). */
export interface IPollOptions {
  interval?: number;
  autoStart?: boolean;
}

export class PolledValue<T> extends VDomModel {
  /** `fetch` gets one value; `refresh` asks the server for fresh data. */
  constructor(
    timing: IPollTiming,
    fetch: (refresh: boolean) => Promise<T>,
    given: IPollOptions = {}
  ) {
    super();
    const options = {
      ...timing,
      interval: given.interval ?? timing.interval,
      autoStart: given.autoStart
    };
    this._fetch = fetch;
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
      standby: options.standby ?? 'when-hidden'
    });
  }

  /** Emitted after every fetch (success or failure) and every new value. */
  get changed(): ISignal<this, void> {
    return this.stateChanged;
  }

  /** The latest value received, kept when later fetches fail. */
  get value(): T | null {
    return this._value;
  }

  /** Why the last fetch failed, or null when it succeeded. */
  get error(): Error | null {
    return this._error;
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

  /** The current poll interval (ms). */
  get interval(): number {
    return this._poll.frequency.interval;
  }

  /** Fetch once now; never throws (the error is kept in `error`). */
  async update(refresh = false): Promise<void> {
    try {
      const value = await this._fetch(refresh);
      if (this.isDisposed) {
        return;
      }
      this._error = null;
      this.setValue(value);
    } catch (reason) {
      if (this.isDisposed) {
        return;
      }
      this._error =
        reason instanceof Error ? reason : new Error(String(reason));
      this.stateChanged.emit();
      return;
    }
    await this.afterValue(this._value as T);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    super.dispose();
  }

  /** A new value (fetched, or the answer of a change the model sent). */
  protected setValue(value: T): void {
    this._value = value;
    this.onValue(value);
    this.stateChanged.emit();
  }

  /** Called with each new value, before `changed` is emitted. */
  protected onValue(value: T): void {
    // nothing by default
  }

  /** Called after a fetched value was announced; the fetch waits for it. */
  protected async afterValue(value: T): Promise<void> {
    // nothing by default
  }

  private _fetch: (refresh: boolean) => Promise<T>;
  private _maxInterval: number;
  private _poll: Poll;
  private _value: T | null = null;
  private _error: Error | null = null;
}
