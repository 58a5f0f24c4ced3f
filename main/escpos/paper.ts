// The paper view: a receipt's logical lines wrapped as the printer wraps them at its column count (32, 42, 48 or configured).
import type { DecodedLine, DecodedReceipt } from './types.js';

/** Columns of font A at the common paper widths: 58 mm → 32, 76 mm → 42, 80 mm → 48. */
export const PAPER_COLUMNS = [32, 42, 48] as const;
export const DEFAULT_COLUMNS = 48;

/** Columns a character takes: 2 for East Asian wide/full-width characters, else 1. */
export function charColumns(c: number): number {
  return (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    c >= 0x20000
    ? 2
    : 1;
}

/**
 * The lines as printed on paper `columns` wide: a line longer than the paper continues on the next
 * printed line (printers break at the character, not the word); double-width text takes two columns
 * a character. The decoder's lines stay logical: the receipt parser reads those.
 */
export function paperLines(receipt: Pick<DecodedReceipt, 'lines'>, columns = DEFAULT_COLUMNS): DecodedLine[] {
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`paper columns must be a positive integer, got ${columns}`);
  const out: DecodedLine[] = [];
  for (const line of receipt.lines) {
    const scale = line.style.doubleWidth ? 2 : 1;
    let start = 0;
    let used = 0;
    let k = 0;
    const text = line.text;
    for (const ch of text) {
      const w = charColumns(ch.codePointAt(0) as number) * scale;
      if (used + w > columns && used > 0) {
        out.push({ text: text.slice(start, k), style: line.style });
        start = k;
        used = 0;
      }
      used += w;
      k += ch.length;
    }
    out.push(start === 0 ? line : { text: text.slice(start), style: line.style });
  }
  return out;
}
