// Receipts read from printed pictures: amounts chosen between OCR look-alikes by the arithmetic, and fields read with low confidence held for review.
import type { DecodedReceipt } from '../escpos/types.js';
import type { Problem } from '../store/types.js';
import { findDate } from './dates.js';
import { koboFromMoney } from './money.js';
import { parseReceipt, type ParseContext, type ParseResult } from './parse.js';
import type { Transaction } from './transaction.js';

/** What the OCR stage says about the lines it read: which lines of the receipt, and how sure it was of each word (0 to 1). */
export interface OcrEvidence {
  /** `source.ocr.engine` (cloud-api.md §3). */
  engine: string;
  lines: Array<{ line: number; confidence: number; words: Array<{ text: string; confidence: number }> }>;
  /** Mean word confidence over the pictures read. */
  confidence: number;
}

/**
 * A word holding a receipt number, date, amount or card's last four is trusted at this confidence
 * or above; below it the receipt waits in review. Measured on rendered receipts (bench/ocr.ts): the
 * engine's misread digits came back under it.
 */
export const MIN_FIELD_CONFIDENCE = 0.85;

/** Letters the engine reads for digits in a printed amount; only ever swapped inside a token that already holds digits. */
const LOOK_ALIKES: Record<string, string> = { O: '0', o: '0', D: '0', Q: '0', I: '1', l: '1', '|': '1', i: '1', S: '5', s: '5', B: '8', Z: '2', z: '2', g: '9' };
const TOKEN = /(?<=^|\s)[-+]?(?:NGN|N)?[0-9OoDQIl|iSsBZzg,.]*\d[0-9OoDQIl|iSsBZzg,.]*(?=\s|$)/g;
const AMOUNT = /^[-+]?(?:NGN|N)?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}$/;

/** The line with each amount-shaped token that holds a look-alike letter read as digits; the same line when none. */
export function amountReading(text: string): string {
  return text.replace(TOKEN, (token) => {
    const prefix = /^[-+]?(?:NGN|N)?/.exec(token)![0];
    const body = token.slice(prefix.length);
    const digits = body.replace(/[OoDQIl|iSsBZzg]/g, (ch) => LOOK_ALIKES[ch]!);
    return digits !== body && AMOUNT.test(prefix + digits) ? prefix + digits : token;
  });
}

const ARITHMETIC = new Set(['lines_subtotal_mismatch', 'tax_rate_mismatch', 'tax_sum_mismatch', 'total_mismatch', 'vat_inclusive', 'payments_short', 'payments_over', 'line_arithmetic', 'change_mismatch', 'tax_base_unknown']);

/**
 * Parses a receipt some of whose lines were read from pictures. Amounts holding look-alike letters
 * ("1,25O.00") are read both ways and the reading whose arithmetic holds is kept (a digit is never
 * made up: only a letter the engine put in a digit's place is swapped). Then every receipt number,
 * date, total, tax, payment and card's last four that came from a word read with low confidence is a
 * problem: the receipt goes to review, never out as `ok` on a guess.
 */
export function parseReadReceipt(receipt: DecodedReceipt, ctx: ParseContext, ocr: OcrEvidence): ParseResult {
  const asRead = receipt.lines.map((l) => l.text);
  const swapped = asRead.slice();
  for (const l of ocr.lines) swapped[l.line] = amountReading(asRead[l.line]!);
  const variants = swapped.some((t, i) => t !== asRead[i]) ? [swapped, asRead] : [asRead];
  const results = variants.map((texts) => ({ texts, result: parseReceipt({ ...receipt, lines: receipt.lines.map((l, i) => ({ ...l, text: texts[i]! })) }, ctx) }));
  const adds = (r: ParseResult): boolean => r.transaction !== null && !r.problems.some((p) => ARITHMETIC.has(p.code));
  const chosen = results.find((r) => adds(r.result)) ?? results[0]!;
  const { result, texts } = chosen;
  if (!result.transaction) return result;
  const tx: Transaction = { ...result.transaction, source: { ...result.transaction.source, ocr: { engine: ocr.engine, mean_confidence: ocr.confidence.toFixed(2) } } };
  const problems = [...result.problems, ...lowConfidence(tx, texts, ocr, ctx.profile.dates.order)];
  if (ocr.lines.length === 0) {
    problems.push({ code: 'ocr_no_text', field: 'raw', message: 'The receipt was printed as a picture and no text could be read from it.' });
  }
  return { status: result.status === 'unparsed' ? 'unparsed' : problems.length ? 'review' : 'ok', transaction: tx, problems };
}

interface Check {
  field: string;
  what: string;
  value: string;
  matches: (word: string, line: string) => boolean;
}

const digitsOf = (s: string): string => s.replace(/\D/g, '').replace(/^0+(?=\d)/, '');

/** The key fields of the transaction, each with how to recognise the words it was read from. */
function checksOf(tx: Transaction, order: 'dmy' | 'mdy' | 'ymd'): Check[] {
  const checks: Check[] = [];
  const number = tx.receipt_number.replace(/[^0-9A-Za-z]/g, '');
  if (!tx.receipt_number.startsWith('unknown-')) {
    checks.push({
      field: 'receipt_number',
      what: 'receipt number',
      value: tx.receipt_number,
      matches: (w) => {
        const plain = w.replace(/[^0-9A-Za-z]/g, '');
        return plain.length > 0 && /\d/.test(plain) && (plain.includes(number) || (plain.length >= 3 && number.includes(plain)));
      },
    });
  }
  const day = tx.issued_at.slice(0, 10);
  checks.push({
    field: 'issued_at',
    what: 'date',
    value: day,
    matches: (w, line) => {
      if (!/\d/.test(w)) return false;
      const found = findDate(line, order)?.date;
      return found !== undefined && `${found.y}-${String(found.m).padStart(2, '0')}-${String(found.d).padStart(2, '0')}` === day;
    },
  });
  const money = (field: string, what: string, amount: string | undefined): void => {
    if (amount === undefined) return;
    const kobo = koboFromMoney(amount.replace(/^-/, ''));
    if (kobo === null || kobo === 0) return;
    const forms = new Set([String(kobo), ...(kobo % 100 === 0 ? [String(kobo / 100)] : [])]);
    checks.push({ field, what, value: amount, matches: (w) => /\d/.test(w) && forms.has(digitsOf(w)) });
  };
  for (const key of ['subtotal', 'discount', 'service_charge', 'tax', 'tip', 'rounding', 'total'] as const) money(`totals.${key}`, key.replace('_', ' '), tx.totals[key]);
  tx.taxes.forEach((t, i) => money(`taxes[${i}].amount`, `${t.type} amount`, t.amount));
  tx.payments.forEach((p, i) => {
    money(`payments[${i}].amount`, `${p.method.replace('_', ' ')} payment`, p.amount);
    const last4 = p.card_last4;
    if (last4) checks.push({ field: `payments[${i}].card_last4`, what: "card's last four digits", value: last4, matches: (w) => /\d{4}$/.test(w) && w.endsWith(last4) });
  });
  return checks;
}

function lowConfidence(tx: Transaction, texts: string[], ocr: OcrEvidence, order: 'dmy' | 'mdy' | 'ymd'): Problem[] {
  const problems: Problem[] = [];
  for (const check of checksOf(tx, order)) {
    let worst: { text: string; confidence: number } | null = null;
    for (const l of ocr.lines) {
      const line = texts[l.line] ?? '';
      for (const w of l.words) {
        const word = amountReading(w.text);
        if (check.matches(word, line) && (worst === null || w.confidence < worst.confidence)) worst = w;
      }
    }
    if (worst && worst.confidence < MIN_FIELD_CONFIDENCE) {
      problems.push({
        code: 'ocr_low_confidence',
        field: check.field,
        message: `The ${check.what} (${check.value}) was read from a picture of the receipt with ${Math.round(worst.confidence * 100)} % confidence ("${worst.text}"): check it against the paper receipt.`,
      });
    }
  }
  return problems;
}
