import {
  conversionNote,
  formatAge,
  formatDuration,
  formatInstance,
  formatMoney,
  formatRate,
  normalizeCurrency,
  USD
} from '../format';

describe('formatMoney', () => {
  it('formats USD to the cent', () => {
    expect(formatMoney(12.3)).toBe('$12.30');
    expect(formatMoney(1.455)).toBe('$1.46');
    expect(formatMoney(1234.5)).toBe('$1,234.50');
  });

  it('never shows an unknown amount as $0', () => {
    expect(formatMoney(null)).toBe('?');
    expect(formatMoney(undefined)).toBe('?');
    expect(formatMoney(NaN)).toBe('?');
  });

  it('shows a tiny known amount as less than a cent, not $0.00', () => {
    expect(formatMoney(0.001)).toBe('<$0.01');
    expect(formatMoney(0)).toBe('$0.00');
  });

  it('marks totals with unpriced lines as lower bounds', () => {
    expect(formatMoney(3.1, { unpriced: 2 })).toBe('≥ $3.10');
    expect(formatMoney(3.1, { unpriced: 0 })).toBe('$3.10');
  });

  it('converts to a user currency and marks it converted', () => {
    const jpy = { code: 'JPY', rate: 150 };
    expect(formatMoney(1.46, { currency: jpy })).toBe('≈¥219');
    expect(formatMoney(10, { currency: { code: 'EUR', rate: 0.9 } })).toBe(
      '≈€9.00'
    );
    expect(formatMoney(1, { currency: jpy, unpriced: 1 })).toBe('≥ ≈¥150');
  });

  it('falls back to the code for currencies Intl does not know', () => {
    expect(formatMoney(2, { currency: { code: 'XQQ', rate: 2 } })).toMatch(
      /^≈(XQQ\s?4\.00|XQQ 4\.00)$/
    );
  });
});

describe('formatRate', () => {
  it('appends per hour', () => {
    expect(formatRate(1.46)).toBe('$1.46/h');
    expect(formatRate(null)).toBe('?/h');
    expect(formatRate(5.5, { unpriced: 1 })).toBe('≥ $5.50/h');
    expect(formatRate(1, { currency: { code: 'JPY', rate: 150 } })).toBe(
      '≈¥150/h'
    );
  });
});

describe('normalizeCurrency', () => {
  it('accepts a code with a positive rate', () => {
    expect(normalizeCurrency({ code: 'jpy', rate: 150 })).toEqual({
      code: 'JPY',
      rate: 150
    });
  });

  it('falls back to USD for anything invalid', () => {
    expect(normalizeCurrency(undefined)).toBe(USD);
    expect(normalizeCurrency({ code: 'JPY', rate: 0 })).toBe(USD);
    expect(normalizeCurrency({ code: 'JPY', rate: -3 })).toBe(USD);
    expect(normalizeCurrency({ code: 'YEN!', rate: 150 })).toBe(USD);
    expect(normalizeCurrency({ code: 'USD', rate: 150 })).toBe(USD);
  });

  it('labels converted amounts', () => {
    expect(conversionNote(USD)).toBe('');
    expect(conversionNote({ code: 'JPY', rate: 150 })).toContain(
      '150 JPY per USD'
    );
  });
});

describe('formatDuration', () => {
  it('picks the largest sensible units', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(12 * 60 + 5)).toBe('12 min');
    expect(formatDuration(3 * 3600)).toBe('3 h');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3 h 5 min');
    expect(formatDuration(2 * 86400 + 4 * 3600 + 59)).toBe('2 d 4 h');
    expect(formatDuration(9 * 86400)).toBe('9 d');
    expect(formatDuration(-3)).toBe('0 s');
    expect(formatDuration(null)).toBe('?');
  });

  it('says how old a snapshot is', () => {
    expect(formatAge(null)).toBe('no data yet');
    expect(formatAge(2)).toBe('just now');
    expect(formatAge(6 * 60 + 10)).toBe('as of 6 min ago');
  });
});

describe('formatInstance', () => {
  it('shows the count only when more than one', () => {
    expect(formatInstance('ml.m5.xlarge', 2)).toBe('ml.m5.xlarge × 2');
    expect(formatInstance('ml.g5.xlarge', 1)).toBe('ml.g5.xlarge');
    expect(formatInstance(null, 3)).toBe('—');
  });
});

describe('currency conversion (properties over 500 generated amounts and rates)', () => {
  // A fixed-seed generator: the same cases every run.
  let seed = 20261201;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const parse = (text: string): number => Number(text.replace(/[^0-9.]/g, ''));

  it('converts and rounds to the display unit, so it round-trips to within half a unit', () => {
    for (let i = 0; i < 500; i++) {
      const usd = Math.round(random() * 1e6) / 100; // 0 .. 10,000 USD, to the cent
      const rate = 50 + random() * 150; // yen per dollar
      const shown = formatMoney(usd, { currency: { code: 'JPY', rate } });
      expect(shown.startsWith('≈¥') || shown.startsWith('≈<¥')).toBe(true);
      if (shown.startsWith('≈<')) {
        expect(usd * rate).toBeLessThan(0.5);
        continue;
      }
      // Yen have no minor unit: the shown figure is within half a yen of usd x rate,
      // so back in USD it is within 0.5 / rate.
      const back = parse(shown) / rate;
      expect(Math.abs(back - usd)).toBeLessThanOrEqual(0.5 / rate + 1e-9);
    }
  });

  it('USD shown is USD to the cent, and normalizing is idempotent', () => {
    for (let i = 0; i < 500; i++) {
      const usd = Math.round(random() * 1e7) / 1000;
      const shown = formatMoney(usd);
      if (shown.startsWith('<')) {
        expect(usd).toBeLessThan(0.005);
        continue;
      }
      expect(Math.abs(parse(shown) - usd)).toBeLessThanOrEqual(0.005 + 1e-9);
      const currency = { code: 'jpy', rate: 1 + random() * 200 };
      const once = normalizeCurrency(currency);
      expect(normalizeCurrency(once)).toEqual(once);
      expect(once).toEqual({ code: 'JPY', rate: currency.rate });
    }
  });
});
