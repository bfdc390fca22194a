/**
 * Pure formatting of money, rates, durations and snapshot ages. No DOM, no network.
 *
 * Unknown amounts are never shown as $0: null is "?", and a total with unpriced lines is a
 * lower bound "≥ $x". Amounts in a user-chosen currency are converted with the user's rate
 * and marked "≈" (the server only knows USD).
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';

/** The user's display currency: USD, or a code with the rate (units per USD) they set. */
export interface ICurrency {
  code: string;
  rate: number;
}

export const USD: ICurrency = { code: 'USD', rate: 1 };

export interface IMoneyOptions {
  currency?: ICurrency;
  /** Lines that could not be priced: the amount is then a lower bound. */
  unpriced?: number;
  locale?: string;
}

const defaultTrans = nullTranslator.load('jupyter_costwidget');

/** True when amounts are converted from USD with a user-set rate. */
export function isConverted(currency: ICurrency = USD): boolean {
  return currency.code.toUpperCase() !== 'USD';
}

/** A valid display currency from (possibly broken) settings; falls back to USD. */
export function normalizeCurrency(value: unknown): ICurrency {
  if (!value || typeof value !== 'object') {
    return USD;
  }
  const { code, rate } = value as { code?: unknown; rate?: unknown };
  if (typeof code !== 'string' || !/^[A-Za-z]{3}$/.test(code)) {
    return USD;
  }
  const upper = code.toUpperCase();
  if (upper === 'USD') {
    return USD;
  }
  if (typeof rate !== 'number' || !isFinite(rate) || rate <= 0) {
    return USD;
  }
  return { code: upper, rate };
}

function currencyDigits(code: string, locale: string): number {
  try {
    return (
      new Intl.NumberFormat(locale, {
        style: 'currency',
        currency: code
      }).resolvedOptions().maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}

function plainMoney(amount: number, code: string, locale: string): string {
  const digits = currencyDigits(code, locale);
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits
    }).format(amount);
  } catch {
    // Not an ISO 4217 code Intl knows: show the code itself.
    return `${code} ${amount.toFixed(digits)}`;
  }
}

/**
 * An amount of USD in the display currency: "$12.30", "≈¥1,845", "≥ $3.10", "?".
 * A known amount too small to show in the currency's smallest unit is "<$0.01", never "$0.00".
 */
export function formatMoney(
  usd: number | null | undefined,
  options: IMoneyOptions = {}
): string {
  const currency = options.currency ?? USD;
  const locale = options.locale ?? 'en-US';
  if (usd === null || usd === undefined || !isFinite(usd)) {
    return '?';
  }
  const converted = isConverted(currency);
  const amount = converted ? usd * currency.rate : usd;
  const digits = currencyDigits(currency.code, locale);
  const smallest = Math.pow(10, -digits);
  let text: string;
  if (amount > 0 && amount < smallest / 2) {
    text = '<' + plainMoney(smallest, currency.code, locale);
  } else {
    text = plainMoney(amount, currency.code, locale);
  }
  if (converted) {
    text = '≈' + text;
  }
  if ((options.unpriced ?? 0) > 0) {
    text = '≥ ' + text;
  }
  return text;
}

/** A burn rate: "$1.46/h" (or "?/h", "≥ $1.46/h"). */
export function formatRate(
  usdPerHour: number | null | undefined,
  options: IMoneyOptions = {},
  trans: TranslationBundle = defaultTrans
): string {
  return trans.__('%1/h', formatMoney(usdPerHour, options));
}

/** The label saying amounts are converted, or "" for USD. */
export function conversionNote(
  currency: ICurrency,
  trans: TranslationBundle = defaultTrans
): string {
  if (!isConverted(currency)) {
    return '';
  }
  return trans.__(
    'Converted from USD at %1 %2 per USD (your setting); AWS bills in USD.',
    String(currency.rate),
    currency.code
  );
}

/** A duration in seconds: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(
  seconds: number | null | undefined,
  trans: TranslationBundle = defaultTrans
): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '?';
  }
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) {
    return trans.__('%1 s', s);
  }
  const minutes = Math.floor(s / 60);
  if (minutes < 60) {
    return trans.__('%1 min', minutes);
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest
      ? trans.__('%1 h %2 min', hours, rest)
      : trans.__('%1 h', hours);
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours
    ? trans.__('%1 d %2 h', days, restHours)
    : trans.__('%1 d', days);
}

/** How old a snapshot is, for people: "just now", "as of 6 min ago". */
export function formatAge(
  seconds: number | null | undefined,
  trans: TranslationBundle = defaultTrans
): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return trans.__('no data yet');
  }
  if (seconds < 5) {
    return trans.__('just now');
  }
  return trans.__('as of %1 ago', formatDuration(seconds, trans));
}

/** "ml.m5.xlarge × 2", "ml.g5.xlarge", or "—" when there is no instance. */
export function formatInstance(
  instanceType: string | null | undefined,
  count: number | null | undefined
): string {
  if (!instanceType) {
    return '—';
  }
  return count && count > 1 ? `${instanceType} × ${count}` : instanceType;
}
