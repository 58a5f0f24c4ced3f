// Kobo, quantities and rates: integer arithmetic inside, two-place decimal strings at the edges (cloud-api.md §3).

/** Money in kobo (1 naira = 100 kobo): always an integer. */
export type Kobo = number;

/** Largest amount the parser accepts (10 billion naira), so every product below stays a safe integer. */
export const MAX_KOBO: Kobo = 1_000_000_000_000;

/** "1234.50" from 123450 kobo. */
export function formatKobo(kobo: Kobo): string {
  const sign = kobo < 0 ? '-' : '';
  const abs = Math.abs(kobo);
  const naira = Math.floor(abs / 100);
  const rest = abs % 100;
  return `${sign}${naira}.${rest < 10 ? '0' : ''}${rest}`;
}

/** 123450 from "1234.50" (the Money string of a Transaction); null if it is not one. */
export function koboFromMoney(money: string): Kobo | null {
  const neg = money.charCodeAt(0) === 45;
  const dot = money.length - 3;
  if (dot < (neg ? 2 : 1) || money.charCodeAt(dot) !== 46) return null;
  let kobo = 0;
  for (let i = neg ? 1 : 0; i < money.length; i++) {
    if (i === dot) continue;
    const ch = money.charCodeAt(i) - 48;
    if (ch < 0 || ch > 9) return null;
    kobo = kobo * 10 + ch;
  }
  return neg ? -kobo : kobo;
}

/** A quantity kept as thousandths of a unit, so 25.5 litres is 25500. */
export type Milli = number;

/** Thousandths from "2", "25.500", "0.75"; null when there are more than three decimals or none of it is a number. */
export function milliFromQuantity(text: string): Milli | null {
  const m = /^(\d+)(?:[.,](\d{1,3}))?$/.exec(text);
  if (!m) return null;
  const frac = (m[2] ?? '').padEnd(3, '0');
  return Number(m[1]) * 1000 + Number(frac);
}

/** The canonical Quantity string: "2", "25.5", "0.125" (trailing zeros dropped). */
export function formatMilli(milli: Milli): string {
  const whole = Math.floor(milli / 1000);
  const frac = milli % 1000;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

/** Number of decimals printed in a quantity ("25.500" → 3), which bounds its rounding. */
export function quantityDecimals(text: string): number {
  const m = /[.,](\d+)$/.exec(text);
  return m ? m[1]!.length : 0;
}

/** A rate in thousandths of a percent: 7.5 % is 7500. */
export type RateMilli = number;

export function rateMilliFromText(text: string): RateMilli | null {
  const m = /^(\d{1,3})(?:[.,](\d{1,3}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
}

/** The canonical Rate string: "7.5", "5", "0". */
export function formatRate(rate: RateMilli): string {
  return formatMilli(rate);
}

/** rate × base, rounded half up to the kobo. */
export function applyRate(base: Kobo, rate: RateMilli): Kobo {
  return Math.round((base * rate) / 100_000);
}

/** quantity × unit price, rounded half up to the kobo. */
export function extend(quantity: Milli, unitPrice: Kobo): Kobo {
  return Math.round((quantity * unitPrice) / 1000);
}
