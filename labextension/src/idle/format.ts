/** Pure text helpers of the auto-stop item (unit-tested). */
import { IIdleStatus } from './types';

/** "45 s", "2:05", "1:02:03" for a countdown. */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) {
    return `${h}:${pad(m)}:${pad(rest)}`;
  }
  return m > 0 ? `${m}:${pad(rest)}` : `${rest} s`;
}

/** "60m", "1.5h", "30s" for a timeout in minutes. */
export function shortMinutes(minutes: number): string {
  if (minutes < 1) {
    return `${Math.round(minutes * 60)}s`;
  }
  if (minutes >= 120 && minutes % 60 === 0) {
    return `${minutes / 60}h`;
  }
  return `${Number(minutes.toFixed(1))}m`;
}

/**
 * Seconds until the stop: the server's `seconds_left` at fetch time minus the time elapsed
 * since (so the browser's clock may be off without skewing the countdown).
 */
export function secondsLeft(
  status: IIdleStatus,
  fetchedAt: number,
  now: number
): number | null {
  if (status.seconds_left === null || status.seconds_left === undefined) {
    return null;
  }
  return Math.max(0, status.seconds_left - (now - fetchedAt) / 1000);
}
