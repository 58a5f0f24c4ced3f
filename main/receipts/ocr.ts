// Receipts read from printed pictures: amounts chosen between OCR look-alikes by the arithmetic, and fields read with low confidence held for review.
import type { DecodedReceipt } from '../escpos/types.js';
import { LOOK_ALIKE_BESIDE_DIGIT, LOOK_ALIKES, monthsAsLetters } from '../ocr/text.js';
import type { Problem } from '../store/types.js';
import { findDate } from './dates.js';
import { extend, koboFromMoney, milliFromQuantity } from './money.js';
import { parseReceipt, type ParseContext, type ParseResult } from './parse.js';
import type { Transaction } from './transaction.js';

/** What the OCR stage says about the lines it read: which lines of the receipt, and how sure it was of each word (0 to 1). */
export interface OcrEvidence {
  /** `source.ocr.engine` (cloud-api.md §3). */
  engine: string;
  lines: Array<{ line: number; confidence: number; words: Array<{ text: string; confidence: number; alternatives?: Array<{ text: string; confidence: number }>; digitsInDots?: string }> }>;
  /** Mean word confidence over the pictures read. */
  confidence: number;
  /** Stretches of print on the pictures no read word covers (where, in dots from the picture's top): text the engine skipped. */
  unread?: ReadonlyArray<{ y0: number }>;
}

/**
 * The engine's confidence a word needs before a field read from it is trusted; below it the receipt
 * waits in review. Identifiers (receipt number, date and time, card's last four) have nothing to check
 * them against, so they need more: on the test generator's receipts a card's last four misread 5516 →
 * 5515 was read at 76 %, a receipt number R010431 → RO10431 at 83 % and R952107 → R852107 at 87 %.
 * A word whose every character has the dots of the same character read elsewhere on the receipt is
 * 90 % sure (main/ocr/glyphs.ts), so right identifiers the engine alone was unsure of still pass. An
 * amount is also checked by the receipt's own arithmetic (lines, subtotal, VAT, total, payments),
 * which catches a misread digit the engine was sure of.
 */
export const MIN_FIELD_CONFIDENCE = { identifier: 0.9, amount: 0.6 } as const;

// Look-alike letters (LOOK_ALIKES) are only ever swapped for digits inside a token that already holds digits.
const TOKEN = /(?<=^|\s)[-+]?(?:NGN|N)?[0-9OoDQIl|iSsBZzg,.]*\d[0-9OoDQIl|iSsBZzg,.]*(?=\s|$)/g;
const AMOUNT = /^[-+]?(?:NGN|N)?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}$/;

/** The line with each amount-shaped token that holds a look-alike letter read as digits; the same line when none. */
export function amountReading(text: string): string {
  return text.replace(TOKEN, (token) => {
    // "1.000.00": a thousands comma read as a point (the last point is the decimal one).
    if (/^[-+]?(?:NGN|N)?\d{1,3}(?:\.\d{3})+\.\d{2}$/.test(token)) return token.replace(/\.(?=\d{3}[.])/g, ',');
    const prefix = /^[-+]?(?:NGN|N)?/.exec(token)![0];
    const body = token.slice(prefix.length);
    const digits = body.replace(/[OoDQIl|iSsBZzg]/g, (ch) => LOOK_ALIKES[ch]!);
    return digits !== body && AMOUNT.test(prefix + digits) ? prefix + digits : token;
  });
}

/**
 * "Card: **** **** **** 1234": the engine reads the asterisks as letters and signs, now and then a digit
 * among them ("mews weer", "#*%«  »»4%"), a group now and then parted in two or three ("=v x rrr wrvv",
 * "* ok kk  xk kk  kk kk"). A card line of one to eight short groups then four digits is given its mask
 * back, so the last four are found; the digits are the engine's own, and their confidence is checked
 * like any field's. (A card number printed in full is masked the same way.)
 */
const CARD_MASK = /^(\s*card\s*:?\s+)((?:\S{1,5}\s+){1,8})(\d{4})\s*$/i;

/**
 * A card number the engine read in full but not exactly (so no checksum finds it): 13 to 19 digits in
 * groups are masked to their last four before anything stores the line.
 */
const LONG_NUMBER = /(?<![\d])(?:\d[ -]?){9,15}(\d{4})(?![\d])/g;

/** A time printed after a date whose colon the engine read as a point or comma ("08.06"): only right after a date. */
const TIME_AFTER_DATE = /(\d{1,4}[/.-](?:\d{1,2}|[A-Za-z]{3})[/.-]\d{2,4}\s+)([01]?\d|2[0-3])[.,;]([0-5]\d)(?=\s|$)/;

/** The line as an OCR'd receipt line is parsed: look-alike letters in amounts read as digits, a month's letters, a card's mask and a time's colon given back. */
export function pictureLineReading(text: string): string {
  return monthsAsLetters(pointBack(amountReading(text)))
    .replace(LONG_NUMBER, (run: string, last4: string) => (run.replace(/\D/g, '').length >= 13 ? `**** **** **** ${last4}` : run))
    .replace(CARD_MASK, (_, label: string, _mask: string, last4: string) => `${label}**** **** **** ${last4}`)
    .replace(TIME_AFTER_DATE, (_, date: string, h: string, m: string) => `${date}${h}:${m}`);
}

/** A line's quantity before its "x": a count, or a measure with its unit ("36.609 L x 807.00"). */
const QUANTITY = String.raw`(\d{1,4}(?:\.\d{1,3})?)(\s*(?:L|l|kg|KG|ltr|Ltr)?\s*[xX×]\s*)`;
/** "4x42572    1,702.88": a unit price whose decimal point was not read, before the line's amount. */
const LOST_PRICE_POINT = new RegExp(String.raw`(?<![\d.,])${QUANTITY}(\d{3,9})(?=\s+(?:NGN|N)?(\d[\d,]*\.\d{2})(?:\s*[A-Z])?\s*$)`);
/** "5x 219.50    109750E": the line's amount read without its point, or its comma and point (its tax marker run into it, or not), after "qty x price". */
const LOST_AMOUNT_POINT = new RegExp(String.raw`(?<![\d.,])${QUANTITY}((?:NGN|N)?\d[\d,]*\.\d{2})(\s+)(\d{3,9})(?: ?([A-Z]))?(\s*)$`);

/**
 * Gives the unit price or the amount of a "qty x price   amount" line its decimal point back when, with it,
 * quantity × price makes the amount to the kobo (4 × 425.72 = 1,702.88; 5 × 219.50 = 1097.50; a measure's product
 * rounded, 36.609 L × 807.00 = 29,543.46 read "2954346"), and parts a tax marker run into the amount ("109750E" →
 * "1097.50 E"). Only a point and a space are placed, never a digit; a price printed without kobo ("2 x 500
 * 1,000.00") does not make its amount read as kobo and is left as printed.
 */
function pointBack(text: string): string {
  const kobo = (money: string): number | null => koboFromMoney(money.replace(/^(?:NGN|N)/, '').replace(/,/g, ''));
  const withPoint = (digits: string): string => `${digits.slice(0, -2)}.${digits.slice(-2)}`;
  const makes = (qty: string, priceKobo: number | null, amountKobo: number | null): boolean => {
    const milli = milliFromQuantity(qty);
    return milli !== null && priceKobo !== null && extend(milli, priceKobo) === amountKobo;
  };
  return text
    .replace(LOST_PRICE_POINT, (whole, qty: string, times: string, digits: string, amount: string) =>
      makes(qty, Number(digits), kobo(amount)) ? `${qty}${times}${withPoint(digits)}` : whole,
    )
    .replace(LOST_AMOUNT_POINT, (whole, qty: string, times: string, price: string, gap: string, digits: string, marker: string, end: string) =>
      makes(qty, kobo(price), Number(digits)) ? `${qty}${times}${price}${gap}${withPoint(digits)}${marker ? ` ${marker}` : ''}${end}` : whole,
    );
}

/** A summary or payment line ending in digits alone ("VAT 7.5%      7172", "TOTAL   102802"): an amount whose point was not read. */
const SUMMARY_WITHOUT_POINT = /^(\s*(?:sub\s*-?\s*total|total|vat|tax|consumption\s+tax|service\s+charge|discount|rounding|tip|gratuity|amount\s+due|cash|card|change|transfer)\b[^\d\n]*(?:\d+(?:\.\d+)?\s*%[^\d\n]*)?(?:NGN|N)?)(\d{3,9})(\s*[A-Z]?\s*)$/i;

const QTY_TIMES_PRICE = /\d\s*[xX×]\s*(?:NGN|N)?\d[\d,]*\.\d{2}/;
const AMOUNT_ALONE = /^\s*[-+]?(?:NGN|N)?\d[\d,]*\.\d{2}(?:\s*[A-Z])?\s*$/;

/**
 * A quantity or size as item names print them: "75cl", "500g", "1.5L", "2x", "4", "12pcs"; a unit's
 * "l" may come back as "|" or "!" (its digits are what matter).
 */
const SIZE_WORD = /^\d+(?:[.,]\d+)?(?:m[l|!]|c[l|!]|[l|!]|ltr|litres?|g|kg|mg|pcs?|pk|packs?|x|m|cm|mm|oz)?$/i;
/** A price inside an item's name: no product is called "422.71" (sizes and strengths are "500mg", "80/480", "75cl"). */
const PRICE_WORD = /(?<![\w.,])(?:NGN|N)?\d[\d,]*\.\d{2}(?![\w.,])/;

const CARD_LINE = /^\s*card\s*(?:no\.?|number|#)?\s*:/i;

/**
 * A card line whose colon and digits were lost in the reading ("  card        \""): the word card and
 * no amount. (The payment line "CARD   702.31" has its amount.)
 */
const CARD_LINE_UNREAD = /^\s*card\b(?![^\n]*\d[\d,]*\.\d{2})/i;

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
  for (const l of ocr.lines) swapped[l.line] = pictureLineReading(asRead[l.line]!);
  const variants = swapped.some((t, i) => t !== asRead[i]) ? [swapped, asRead] : [asRead];
  // Amounts the engine read otherwise on their own (OcrWord.alternatives): all of them taken, then each alone.
  const alternatives = ocr.lines.flatMap((l) => l.words.flatMap((w, k) => (w.alternatives ?? []).map((a) => ({ line: l.line, word: k, text: a.text }))));
  if (alternatives.length) {
    const taking = (picked: typeof alternatives): string[] => {
      const texts = asRead.slice();
      for (const a of picked) texts[a.line] = replaceToken(texts[a.line]!, a.word, a.text);
      for (const l of ocr.lines) texts[l.line] = pictureLineReading(texts[l.line]!);
      return texts;
    };
    variants.push(taking(alternatives));
    if (alternatives.length > 1) for (const a of alternatives.slice(0, MAX_SINGLE_ALTERNATIVES)) variants.push(taking([a]));
  }
  // A summary line's amount read without its point ("VAT 7.5%      7172"): the point placed before its last two digits,
  // kept only when the receipt's sums then hold (a point is placed, never a digit).
  const read = new Set(ocr.lines.map((l) => l.line));
  const pointed = swapped.map((t, i) => (read.has(i) && !CARD_LINE.test(t) ? t.replace(SUMMARY_WITHOUT_POINT, (_, head: string, digits: string, end: string) => `${head}${digits.slice(0, -2)}.${digits.slice(-2)}${end}`) : t));
  if (pointed.some((t, i) => t !== swapped[i])) variants.push(pointed);
  const results = variants.map((texts) => ({ texts, result: parseReceipt({ ...receipt, lines: receipt.lines.map((l, i) => ({ ...l, text: texts[i]! })) }, ctx) }));
  const adds = (r: ParseResult): boolean => r.transaction !== null && !r.problems.some((p) => ARITHMETIC.has(p.code));
  // Of the readings whose sums hold, one whose every line with an amount is an item, its quantity and price read
  // ("79.180 L x 957.60" is none, nor "Chicken Suya   4   113.81   455.64"; read alone as 957.00 and 113.91, they are).
  const whole = (r: { texts: string[]; result: ParseResult }): boolean =>
    adds(r.result) && !r.result.problems.some((p) => p.code === 'item_unread' || p.code === 'missing_lines') && !itemsUnread(r.result.transaction!, r.texts, ocr);
  const chosen = results.find(whole) ?? results.find((r) => adds(r.result)) ?? results[0]!;
  const { result, texts } = chosen;
  if (!result.transaction) return result;
  // A word of an item's name read as letters whose dots are digits elsewhere on the receipt, and a size as the dots
  // read it ("Hand Sanitizer Seeml" printed 500ml: S and e drawn as the 5 and 0s the engine read in the amounts):
  // the name takes the size. Any other such word sends the receipt to review (below).
  const sizeInDots = new Map(ocr.lines.flatMap((l) => l.words.flatMap((w) => (w.digitsInDots && SIZE_WORD.test(w.digitsInDots) ? [[w.text, w.digitsInDots] as const] : []))));
  const named = (description: string): string => (sizeInDots.size ? description.split(' ').map((w) => sizeInDots.get(w) ?? w).join(' ') : description);
  const lines = result.transaction.lines.map((l) => ({ ...l, description: named(l.description) }));
  const tx: Transaction = { ...result.transaction, lines, source: { ...result.transaction.source, ocr: { engine: ocr.engine, mean_confidence: ocr.confidence.toFixed(2) } } };
  const order = ctx.profile.dates.order;
  // What each field of the transaction was read from (its checks find its words in the evidence).
  const checks = checksOf(tx, order);
  const problems = [...result.problems, ...lowConfidence(tx, texts, ocr, order, checks, adds(result))];
  if (itemsUnread(tx, texts, ocr)) {
    problems.push({ code: 'ocr_item_unread', field: 'lines', message: 'An item\'s quantity and unit price could not be read from the picture (only its amount was): check the items against the paper receipt.' });
  }
  // An item's name holding a word read as letters whose dots are digits elsewhere on the receipt ("Hand Sanitizer
  // Seeml", printed 500ml): the name was misread, and a size is part of what was sold.
  const digitWords = new Set(ocr.lines.flatMap((l) => l.words.filter((w) => w.digitsInDots && !sizeInDots.has(w.text)).map((w) => w.text)));
  const misreadName = tx.lines.find((l) => l.description.split(/\s+/).some((w) => digitWords.has(w)));
  if (misreadName && !problems.some((p) => p.code === 'ocr_item_unread')) {
    problems.push({ code: 'ocr_item_unread', field: 'lines', message: `An item's name ("${misreadName.description}") holds letters drawn like digits elsewhere on the receipt: check it against the paper receipt.` });
  }
  // An item's name holding an unsure word with digits in no shape of a quantity or size ("5 Bread Sliced" read "5S
  // Bread Sliced" at 56 %, "Coke 50cl" read "coke so6cl" at 33 %): a misread quantity or size, part of what was sold
  // and checked by no sum. (An unsure word in a size's shape, "75cl" at 26 %, is left: names are not checked.)
  if (!problems.some((p) => p.code === 'ocr_item_unread')) {
    const unsure = itemLines(ocr, texts).flatMap((l) => l.words).find((w) => /\d/.test(w.text) && !SIZE_WORD.test(w.text) && w.confidence < MIN_FIELD_CONFIDENCE.amount && tx.lines.some((t) => t.description.split(/\s+/).includes(w.text)));
    if (unsure) problems.push({ code: 'ocr_item_unread', field: 'lines', message: `An item's name holds "${pictureLineReading(unsure.text)}", read from the picture with ${Math.round(unsure.confidence * 100)} % confidence and shaped like no quantity or size: check the items against the paper receipt.` });
  }
  // A receipt number with a letter that looks like a digit beside its digits ("RO10431"): R010431 or RO10431?
  // Nothing on the receipt checks it, so a person does.
  if (!tx.receipt_number.startsWith('unknown-') && LOOK_ALIKE_BESIDE_DIGIT.test(tx.receipt_number)) {
    problems.push({ code: 'ocr_low_confidence', field: 'receipt_number', message: `The receipt number (${tx.receipt_number}) was read from a picture and has a letter that may be a digit (O or 0, I or 1, S or 5, B or 8): check it against the paper receipt.` });
  }
  // A card's number was printed but its last four could not be read from the picture.
  if (tx.payments.some((p) => p.method === 'card' && !p.card_last4) && ocr.lines.some((l) => CARD_LINE.test(texts[l.line] ?? '') || CARD_LINE_UNREAD.test(texts[l.line] ?? ''))) {
    problems.push({ code: 'ocr_card_unread', field: 'payments', message: "The card number's last four digits could not be read from the picture of the receipt: check them against the paper receipt." });
  }
  // Print the engine skipped: a line (an item, a payment, a card's number) may be missing from what was read.
  if (ocr.unread?.length && ocr.lines.length) {
    const at = Math.round(Math.min(...ocr.unread.map((u) => u.y0)));
    problems.push({ code: 'ocr_print_unread', field: 'lines', message: `${ocr.unread.length === 1 ? 'A stretch' : `${ocr.unread.length} stretches`} of print on the picture of the receipt (the first ${at} dots from its top) could not be read: a line may be missing. Check the receipt against the paper.` });
  }
  if (ocr.lines.length === 0) {
    problems.push({ code: 'ocr_no_text', field: 'raw', message: 'The receipt was printed as a picture and no text could be read from it.' });
  }
  /** Where the words the fields of one kind were read from sit in the evidence (read with look-alike letters as digits). */
  const fieldWords = (kind: Check['kind']): WordAt[] => wordsWhere(ocr, texts, (w, line) => checks.some((c) => c.kind === kind && c.matches(amountReading(w), line)));
  const unsure = (at: WordAt): boolean => ocr.lines[at.line]!.words[at.word]!.confidence < MIN_FIELD_CONFIDENCE.amount;
  return { status: result.status === 'unparsed' ? 'unparsed' : problems.length ? 'review' : 'ok', transaction: tx, problems,
    // Read again before it may go out (main/ocr/index.ts: verifyIdentifiers): the receipt number, date, time and card's
    // last four, which nothing on the receipt checks, and, when nothing but unsure words holds the receipt, the amounts
    // read unsure (three readings that agree make them sure; the arithmetic already holds).
    identifierWords: [...fieldWords('identifier'), ...(problems.length && problems.every((p) => p.code === 'ocr_low_confidence') ? fieldWords('amount').filter(unsure) : [])],
    // Amounts the arithmetic checked: only when nothing but the reading's own doubts is wrong with the receipt.
    amountWords: problems.every((p) => p.code.startsWith('ocr_')) ? amountWords(tx, texts, ocr, checks) : [],
    // The receipt's sums do not hold: a digit of some amount was misread, however sure the engine was of it.
    misread: problems.some((p) => ARITHMETIC.has(p.code)),
  };
}

/** The lines read above the receipt's summary (its first SUBTOTAL, TOTAL or AMOUNT DUE line): where its items are. */
function itemLines(ocr: OcrEvidence, texts: readonly string[]): OcrEvidence['lines'] {
  const summaryAt = ocr.lines.findIndex((l) => /^\s*(?:sub\s*-?\s*total|total|amount\s+due)\b/i.test(texts[l.line] ?? ''));
  return summaryAt === -1 ? ocr.lines : ocr.lines.slice(0, summaryAt);
}

/** Whether the reading lost an item's quantity and unit price (only its amount was read), as the parse of `texts` shows it. */
function itemsUnread(tx: Transaction, texts: readonly string[], ocr: OcrEvidence): boolean {
  // Items printed on two lines (name, then "qty x price   amount"): an amount alone on its line beside lines
  // that kept their "qty x price" lost those words in the reading, and would be taken as one of the item.
  const itemTexts = itemLines(ocr, texts).map((l) => texts[l.line] ?? '');
  // Or a columns line ("Coke 50cl   8   87.00   522.00") whose quantity and price do not make its amount: a misread
  // quantity the parser set aside, reading the item as one of 522.00.
  const setAside = itemTexts.some((t) => {
    const figures = t.trim().split(/\s+/).filter((w) => /^\d[\d,]*(?:\.\d+)?$/.test(w));
    if (figures.length < 3) return false;
    const last = figures.slice(-3) as [string, string, string];
    const [qty, price, amount] = last.map((f) => f.replace(/,/g, '')) as [string, string, string];
    if (Math.round(Number(qty) * Number(price) * 100) === Math.round(Number(amount) * 100)) return false;
    // Set aside: both figures are left in the item's name ("1 Tecno Spark 20   8,820.00" is one Tecno Spark 20).
    return tx.lines.some((l) => {
      const name = l.description.split(/\s+/);
      return l.amount === amount && l.quantity === '1' && l.unit_price === amount && name.includes(last[0]) && name.includes(last[1]);
    });
  });
  // Or a columns line whose quantity was read as a letter ("Pounded Yam & Egusi   a   422.71   1,690.84"): the
  // parser keeps the words before the amount as the item's name, a price among them, and reads one of 1,690.84.
  // Or a name read as a scrap ("Xx"): the line's words were not read.
  const priceInName = tx.lines.some((l) => PRICE_WORD.test(l.description) || (l.description.match(/\p{L}/gu) ?? []).length < 3);
  return setAside || priceInName || (itemTexts.some((t) => QTY_TIMES_PRICE.test(t)) && itemTexts.some((t) => AMOUNT_ALONE.test(t)));
}

/**
 * Where the words the receipt's amounts (item amounts and the unit prices that make them, totals,
 * taxes, payments) were read from sit in the evidence, each read as printed (no look-alike letter, no
 * alternative taken: its characters are the engine's). In an `ok` receipt the arithmetic checked
 * every one of them, so their glyphs are drawings of known digits (main/ocr/glyphs.ts: vouchedByAmounts).
 */
function amountWords(tx: Transaction, texts: string[], ocr: OcrEvidence, checks: readonly Check[]): WordAt[] {
  const forms = new Set<string>();
  for (const l of tx.lines) {
    const kobo = koboFromMoney(l.amount.replace(/^-/, ''));
    if (kobo) forms.add(String(kobo));
    // A unit price that times the quantity makes the amount, to the kobo, was checked by it.
    const price = koboFromMoney(l.unit_price.replace(/^-/, ''));
    if (kobo && price && Math.round(Number(l.quantity) * price) === kobo) forms.add(String(price));
  }
  return wordsWhere(ocr, texts, (w, line) => PRICE_WORD.test(w) && amountReading(w) === w && (forms.has(digitsOf(w)) || checks.some((c) => c.kind === 'amount' && c.matches(w, line))));
}

/**
 * What a reading of pictures comes to, as the reader asks it (main/ocr/index.ts, Settles): whether the
 * receipt parses `ok`, the words to read again before it may, the words of its checked amounts, and
 * whether its sums fail (some amount was misread).
 */
export function readingVerdict(parsed: ParseResult): { settles: boolean; identifiers: WordAt[]; amounts: WordAt[]; misread: boolean } {
  return { settles: parsed.status === 'ok', identifiers: parsed.identifierWords ?? [], amounts: parsed.amountWords ?? [], misread: parsed.misread ?? false };
}

/** A word of the evidence: { line: index into ocr.lines, word: index into its words }. */
type WordAt = { line: number; word: number };

/** The words of the evidence (each with its line's text as parsed) that `wanted` takes. */
function wordsWhere(ocr: OcrEvidence, texts: string[], wanted: (word: string, line: string) => boolean): WordAt[] {
  return ocr.lines.flatMap((l, line) => l.words.flatMap((w, word) => (wanted(w.text, texts[l.line] ?? '') ? [{ line, word }] : [])));
}

/** Alternatives tried one at a time (beyond all at once): a receipt has few unsure amounts, and each try is a parse. */
const MAX_SINGLE_ALTERNATIVES = 4;

/** The line with its `index`-th word (a run of non-spaces) replaced; as it was when it has fewer words. */
function replaceToken(line: string, index: number, text: string): string {
  let k = 0;
  return line.replace(/\S+/g, (token) => (k++ === index ? text : token));
}

interface Check {
  kind: keyof typeof MIN_FIELD_CONFIDENCE;
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
      kind: 'identifier',
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
    kind: 'identifier',
    field: 'issued_at',
    what: 'date',
    value: day,
    // The words the date was read from: those inside the date's text on its line.
    matches: (w, line) => {
      const found = /\d/.test(w) ? findDate(line, order) : null;
      if (!found || `${found.date.y}-${String(found.date.m).padStart(2, '0')}-${String(found.date.d).padStart(2, '0')}` !== day) return false;
      const text = line.slice(found.index, found.index + found.length);
      return text.includes(w) || w.includes(text);
    },
  });
  // The time of day is part of the field: "18:05" read from an unsure "19:05" is a wrong issued_at however sure the date is.
  const [h, m, s] = tx.issued_at.slice(11, 19).split(':').map(Number) as [number, number, number];
  if (h || m || s) {
    const two = (n: number): string => String(n).padStart(2, '0');
    const hours = new Set([String(h), two(h), String(h % 12 || 12), two(h % 12 || 12)]);
    const forms = new Set([...hours].flatMap((x) => [`${x}${two(m)}`, `${x}${two(m)}${two(s)}`]));
    checks.push({
      kind: 'identifier',
      field: 'issued_at',
      what: 'time',
      value: `${two(h)}:${two(m)}`,
      // A word written as a time ("18:05", "6:05PM"), or hours and minutes on the date's line ("18.05").
      matches: (w, line) => (/\d:\d/.test(w) || (/^\d{1,2}[.,]\d{2}$/.test(w) && findDate(line, order) !== null)) && forms.has(w.replace(/\D/g, '')),
    });
  }
  const money = (field: string, what: string, amount: string | undefined): void => {
    if (amount === undefined) return;
    const kobo = koboFromMoney(amount.replace(/^-/, ''));
    if (kobo === null || kobo === 0) return;
    const forms = new Set([String(kobo), ...(kobo % 100 === 0 ? [String(kobo / 100)] : [])]);
    checks.push({ kind: 'amount', field, what, value: amount, matches: (w) => /\d/.test(w) && forms.has(digitsOf(w)) });
  };
  for (const key of ['subtotal', 'discount', 'service_charge', 'tax', 'tip', 'rounding', 'total'] as const) money(`totals.${key}`, key.replace('_', ' '), tx.totals[key]);
  tx.taxes.forEach((t, i) => money(`taxes[${i}].amount`, `${t.type} amount`, t.amount));
  tx.payments.forEach((p, i) => {
    money(`payments[${i}].amount`, `${p.method.replace('_', ' ')} payment`, p.amount);
    const last4 = p.card_last4;
    if (last4) checks.push({ kind: 'identifier', field: `payments[${i}].card_last4`, what: "card's last four digits", value: last4, matches: (w) => /\d{4}$/.test(w) && w.endsWith(last4) });
  });
  return checks;
}

function lowConfidence(tx: Transaction, texts: string[], ocr: OcrEvidence, order: 'dmy' | 'mdy' | 'ymd', checks: readonly Check[], sumsHold: boolean): Problem[] {
  const problems: Problem[] = [];
  // A date with digits after it but no time read: the time was printed and misread, not absent.
  if (tx.issued_at.slice(11, 19) === '00:00:00') {
    for (const l of ocr.lines) {
      const line = texts[l.line] ?? '';
      const found = findDate(line, order);
      if (found && /\d/.test(line.slice(found.index + found.length))) {
        problems.push({ code: 'ocr_time_unread', field: 'issued_at', message: `The time printed after the date ("${line.trim()}") could not be read from the picture: check it against the paper receipt.` });
        break;
      }
    }
  }
  const held: Array<{ check: Check; problem: Problem }> = [];
  for (const check of checks) {
    // An amount, when the receipt's sums hold, is as sure as the surest word it is printed in: the sums tie the total,
    // tax, payments and subtotal to each other, and "N4,088.00" read at 2 % on the TOTAL line is the 4,088.00 the
    // SUBTOTAL line was read surely as (read otherwise, the sums would fail).
    const surest = check.kind === 'amount' && sumsHold;
    let worst: { text: string; confidence: number } | null = null;
    for (const l of ocr.lines) {
      const line = texts[l.line] ?? '';
      // A word, or when the field was not read from it, what it was read as otherwise (an amount alone, the engine's
      // reading of a word its glyphs read otherwise): the least sure of those the field was read from.
      for (const x of l.words) {
        const from = check.matches(amountReading(x.text), line) ? [x] : (x.alternatives ?? []).filter((a) => check.matches(amountReading(a.text), line));
        for (const w of from) if (worst === null || (surest ? w.confidence > worst.confidence : w.confidence < worst.confidence)) worst = w;
      }
    }
    if (worst && worst.confidence < MIN_FIELD_CONFIDENCE[check.kind]) {
      held.push({
        check,
        problem: {
          code: 'ocr_low_confidence',
          field: check.field,
          message: `The ${check.what} (${check.value}) was read from a picture of the receipt with ${Math.round(worst.confidence * 100)} % confidence ("${pictureLineReading(worst.text)}"): check it against the paper receipt.`,
        },
      });
    }
  }
  // When the sums hold and one amount alone is unsure (wherever it is printed: the tax, and its VAT line's amount), and
  // it is a term of the summary (subtotal, discount, service charge, tax, tip, rounding, total) whose other terms were
  // read surely, the sums determine it: a refund's "-2,457.62" of VAT read at 22 % is the sure total less the sure
  // subtotal, or the sums would fail.
  const amounts = held.filter((h) => h.check.kind === 'amount');
  const value = (c: Check): string => c.value.replace(/^-/, '');
  const determined =
    sumsHold &&
    new Set(amounts.map((h) => value(h.check))).size === 1 &&
    amounts.some((h) => SUMMARY_TERM.test(h.check.field)) &&
    checks.some((c) => c.kind === 'amount' && SUMMARY_TERM.test(c.field) && value(c) !== value(amounts[0]!.check));
  return [...problems, ...held.filter((h) => !(determined && h.check.kind === 'amount')).map((h) => h.problem)];
}

/** The fields of a receipt's summary: its total is the sum of the others (the discount taken off). */
const SUMMARY_TERM = /^totals\.(?:subtotal|discount|service_charge|tax|tip|rounding|total)$/;
