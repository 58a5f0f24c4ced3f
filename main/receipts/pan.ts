// Card numbers (PANs): found by shape and the Luhn check, replaced by their last four digits.

/**
 * 13–19 digits, optionally grouped by single spaces or dashes, not part of a longer digit run; or groups of four
 * split by dots or by two or three spaces ("5399.8352.5481.8690"), a form money never takes (it has two decimals).
 * Separators and digits never overlap, so a failed match backtracks in linear time.
 */
const PAN_CANDIDATE = /(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])|(?<![\d.])\d{4}(?:(?:\.| {2,3})\d{4}){2,3}(?:(?:\.| {2,3})\d{1,3})?(?![\d])/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export interface PanMatch {
  start: number;
  end: number;
  last4: string;
}

/** Every card number in the text: 13–19 digits (spaces or dashes allowed between them) passing Luhn. */
export function findPans(text: string): PanMatch[] {
  const found: PanMatch[] = [];
  // Most lines hold fewer than 13 digits: counting them is far cheaper than the pattern.
  let digits = 0;
  for (let i = 0; i < text.length && digits < 13; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  if (digits < 13) return found;
  for (const m of text.matchAll(PAN_CANDIDATE)) {
    const digits = m[0].replace(/[ .-]/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) continue;
    found.push({ start: m.index, end: m.index + m[0].length, last4: digits.slice(-4) });
  }
  return found;
}

/** Replaces every card number by `**** <last four>` (or a caller's mask). */
export function maskPans(text: string, mask: (last4: string) => string = (l4) => `**** ${l4}`, pans: PanMatch[] = findPans(text)): string {
  if (pans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const p of pans) {
    out += text.slice(at, p.start) + mask(p.last4);
    at = p.end;
  }
  return out + text.slice(at);
}
