// The receipt parser: a decoded receipt's lines → a Transaction (masked, validated) or the reasons it cannot be one.
import type { DecodedReceipt } from '../escpos/types.js';
import type { Problem } from '../store/types.js';
import { findDate, findTime, isoDateTime, type DateParts, type TimeParts } from './dates.js';
import { ItemReader, NumberFormat, type Category, type ItemRead } from './lines.js';
import { applyRate, formatKobo, koboFromMoney, formatMilli, formatRate, rateMilliFromText, type Kobo, type RateMilli } from './money.js';
import { findPans, maskPans } from './pan.js';
import { profileId, type Profile } from './profile.js';
import { TransactionSchema, type Integration, type Transaction } from './transaction.js';
import { meetsTransactionSchema } from './shape.js';
import { validateTransaction } from './validate.js';

export interface ParseContext {
  /** The transaction id (deterministic from device id + raw bytes, see transactionId). */
  id: string;
  deviceId: string;
  integration: Integration;
  terminalId: string;
  capturedAt: string;
  /** The source address of the virtual-printer lane that printed it (`source.address`); absent for serial devices. */
  address?: string;
  profile: Profile;
  rawSha256: string;
  rawBytes: number;
}

export interface ParseResult {
  /** ok: adds up, forwardable; review: built but does not add up or lacks a field; unparsed: not readable as a receipt. */
  status: 'ok' | 'review' | 'unparsed';
  transaction: Transaction | null;
  problems: Problem[];
  /**
   * A receipt read from pictures: the words its identifiers (receipt number, date, time, card's last
   * four) were read from, by place in the OCR evidence, and, when nothing but unsure words holds the
   * receipt, those of its amounts read unsure. Not stored; the reader reads them again.
   */
  identifierWords?: Array<{ line: number; word: number }>;
  /** A receipt read from pictures: the words its amounts were read from, as printed (checked by its arithmetic when `ok`). Not stored. */
  amountWords?: Array<{ line: number; word: number }>;
  /** A receipt read from pictures whose sums do not hold: some amount was misread. Not stored. */
  misread?: boolean;
}

interface Compiled {
  numbers: NumberFormat;
  items: ItemReader;
  re: {
    receiptNumber: RegExp[];
    sellerTin: RegExp[];
    buyerTin: RegExp[];
    buyerName: RegExp[];
    subtotal: RegExp[];
    discount: RegExp[];
    service: RegExp[];
    tip: RegExp[];
    rounding: RegExp[];
    vatFree: RegExp[];
    vat: RegExp[];
    taxable: RegExp[];
    otherTaxes: Array<{ type: string; re: RegExp }>;
    total: RegExp[];
    change: RegExp[];
    payments: Array<{ method: Method; re: RegExp[] }>;
    methodHint: RegExp[];
    notRefund: RegExp[];
    void: RegExp[];
  };
  vatRate: RateMilli;
  /** Any summary label (taxes, totals, payments, change, void): one test before trying each. Null if they cannot be joined. */
  summaryAny: RegExp | null;
  /** Any receipt-number or TIN rule, or a header word: lines that are header fields, not items. */
  /** Any receipt-number or seller-TIN rule (named groups made plain). */
  fieldAny: RegExp | null;
  headerWords: RegExp;
  receiptNumberAny: RegExp | null;
  refundAny: RegExp;
  ignoreAny: RegExp;
  notReceiptAny: RegExp;
  notSellerAny: RegExp;
  inclusiveAny: RegExp;
  methodHintAny: RegExp;
}

/** The patterns joined into one alternation (named groups made plain); null when they cannot be. */
function union(sources: string[]): RegExp | null {
  if (sources.length === 0) return /(?!)/;
  try {
    // A leading lookbehind only narrows a match, and would be tried at every position: the joined test (a
    // pre-filter before the exact patterns) drops it.
    const plain = (s: string): string => s.replace(/^\(\?<!(?:[^()]|\([^()]*\))*\)/, '').replace(/\(\?<([A-Za-z_]\w*)>/g, '(?:');
    return new RegExp(sources.map((s) => `(?:${plain(s)})`).join('|'), 'i');
  } catch {
    return null;
  }
}

type Method = 'cash' | 'card' | 'transfer' | 'mobile_money' | 'other';

const compiledCache = new WeakMap<Profile, Compiled>();

function compile(profile: Profile): Compiled {
  const hit = compiledCache.get(profile);
  if (hit) return hit;
  const rx = (list: string[]): RegExp[] => list.map((s) => new RegExp(s, 'i'));
  const numbers = new NumberFormat(profile);
  const compiled: Compiled = {
    numbers,
    items: new ItemReader(numbers, profile),
    re: {
      receiptNumber: rx(profile.header.receipt_number),
      sellerTin: rx(profile.header.seller_tin),
      buyerTin: rx(profile.header.buyer_tin),
      buyerName: rx(profile.header.buyer_name),
      subtotal: rx(profile.labels.subtotal),
      discount: rx(profile.labels.discount),
      service: rx(profile.labels.service_charge),
      tip: rx(profile.labels.tip),
      rounding: rx(profile.labels.rounding),
      vatFree: rx(profile.labels.vat_free),
      vat: rx(profile.labels.vat),
      taxable: rx(profile.labels.taxable),
      otherTaxes: profile.labels.other_taxes.map((t) => ({ type: t.type, re: new RegExp(t.pattern, 'i') })),
      total: rx(profile.labels.total),
      change: rx(profile.labels.change),
      payments: (['cash', 'card', 'transfer', 'mobile_money', 'other'] as const).map((method) => ({ method, re: rx(profile.payments[method]) })),
      methodHint: rx(profile.payments.method_hint),
      notRefund: rx(profile.document.not_refund),
      void: rx(profile.items.void),
    },
    vatRate: rateMilliFromText(profile.tax.vat_rate) ?? 7500,
    summaryAny: union([
      ...profile.labels.taxable,
      ...profile.labels.change,
      ...profile.labels.discount,
      ...profile.labels.service_charge,
      ...profile.labels.tip,
      ...profile.labels.rounding,
      ...profile.labels.vat_free,
      ...profile.labels.vat,
      ...profile.labels.other_taxes.map((t) => t.pattern),
      ...profile.labels.subtotal,
      ...profile.labels.total,
      ...Object.values(profile.payments).flat(),
      ...profile.items.void,
    ]),
    receiptNumberAny: union(profile.header.receipt_number),
    fieldAny: union([...profile.header.receipt_number, ...profile.header.seller_tin]),
    headerWords: new RegExp(HEADER_WORDS, 'i'),
    refundAny: union(profile.document.refund) ?? /(?!)/,
    ignoreAny: union(profile.items.ignore) ?? /(?!)/,
    notReceiptAny: union(profile.document.not_receipt) ?? /(?!)/,
    notSellerAny: union(profile.header.not_seller) ?? /(?!)/,
    inclusiveAny: union(profile.tax.inclusive) ?? /(?!)/,
    methodHintAny: union(profile.payments.method_hint) ?? /[\s\S]/,
  };
  compiledCache.set(profile, compiled);
  return compiled;
}

const any = (list: RegExp[], text: string): boolean => list.some((re) => re.test(text));
const indexOf = (list: RegExp[], text: string): number => list.findIndex((re) => re.test(text));

/** Label text as the label patterns see it: no leading bullets or separators, single spaces. */
function labelOf(head: string): string {
  let start = 0;
  while (start < head.length && LABEL_LEAD.has(head.charCodeAt(start))) start++;
  return head.slice(start).trimEnd();
}

const LABEL_LEAD = new Set([...' \t*=>#~_.:-'].map((ch) => ch.charCodeAt(0)));

function rateIn(text: string): RateMilli | null {
  const m = /(\d{1,2}(?:[.,]\d{1,3})?)\s*%/.exec(text);
  return m ? rateMilliFromText(m[1]!.replace(',', '.')) : null;
}

const LAST4 = /[*xX#•]{2,}(?:[\s-]+[*xX#•]{2,}){0,3}[\s-]*(\d{4})\b/;

function maskedDigits(masked: string): number {
  let n = 0;
  for (const ch of masked) if (ch === '*' || ch === 'x' || ch === 'X' || ch === '#' || ch === '•') n++;
  return n;
}

interface Money {
  kobo: Kobo;
  line: number;
}

interface TaxRead extends Money {
  type: string;
  rate: RateMilli | null;
  base: Kobo | null;
}

interface PaymentRead extends Money {
  method: Method;
}

interface Item extends ItemRead {
  line: number;
  /** The receipt marked the item's VAT category (a marker or legend code), rather than it being taken as standard. */
  marked: boolean;
}

interface SignedMoney extends Money {
  negative: boolean;
}

/** Prices with VAT in them: the VAT a gross amount contains, rounded half up to the kobo. */
function vatContained(gross: Kobo, rate: RateMilli): Kobo {
  return Math.round((gross * rate) / (100_000 + rate));
}

/** Parses one decoded receipt with a profile; never throws on receipt content. */
export function parseReceipt(receipt: DecodedReceipt, ctx: ParseContext): ParseResult {
  const c = compile(ctx.profile);
  const problems: Problem[] = [];

  // Card numbers go first: nothing below ever sees a full PAN.
  const last4s: string[] = [];
  const text: string[] = receipt.lines.map((l) => {
    const pans = findPans(l.text);
    for (const pan of pans) last4s.push(pan.last4);
    return maskPans(l.text, undefined, pans).trimEnd();
  });
  for (const t of text) {
    if (!(t.includes('**') || t.includes('XX') || t.includes('xx') || t.includes('##') || t.includes('••'))) continue;
    const m = LAST4.exec(t);
    // A short mask needs a card word beside it; a long one ("XXXXXXXXXXXX8690") can only be a card number.
    if (m && !last4s.includes(m[1]!) && (/card|pan|visa|master|verve|\*{4}/i.test(t) || maskedDigits(m[0]) >= 8)) last4s.push(m[1]!);
  }

  const nonEmpty = text.filter((t) => t.trim() !== '');
  if (nonEmpty.length === 0) {
    return { status: 'unparsed', transaction: null, problems: [{ code: 'empty', field: 'raw', message: 'The print job has no text (an image, a logo or a blank feed only).' }] };
  }
  // A day-end report or test page says so in its title, near the top.
  const reportLine = nonEmpty.slice(0, 8).find((t) => c.notReceiptAny.test(labelOf(t)));
  if (reportLine) {
    return {
      status: 'unparsed',
      transaction: null,
      problems: [{ code: 'not_a_receipt', field: 'raw', message: `This print job is not a sale receipt ("${labelOf(reportLine)}"), so nothing was sent.` }],
    };
  }

  const body = readBody(c, text, problems);
  const { items, subtotals, discounts, services, tips, roundings, vatFrees, totals, fields, isHeader, itemsSkipped } = body;
  let refund = body.refund;

  // Header fields.
  const headerLines = text.filter((_, i) => fields[i]);
  const receiptNumber = findReceiptNumber(c, headerLines);
  const sellerTin = firstValue(c.re.sellerTin, headerLines, (v) => v.replace(/\s/g, ''));
  const { date, time } = findIssued(ctx.profile, text);
  const seller = findSeller(c, receipt, text, isHeader);

  if (items.length === 0 && totals.length === 0) {
    return {
      status: 'unparsed',
      transaction: null,
      problems: [{ code: 'no_amounts', field: 'raw', message: 'No item or total could be read from this print job: if it is a receipt, its layout needs a profile.' }],
    };
  }
  if (itemsSkipped > 0) {
    problems.push({ code: 'item_unread', field: 'lines', message: `${itemsSkipped} line(s) with an amount could not be read as an item.` });
  }

  // A category subtotal ("Food & Beverage  43,500.00") closing the items: the sum of every item above it.
  if (subtotals.length === 0 && items.length >= 3) {
    const last = items[items.length - 1]!;
    const before = items.slice(0, -1).reduce((sum, it) => sum + it.amount, 0);
    if (last.amount === before && !last.unitPricePrinted && last.quantity === 1000) {
      items.pop();
      subtotals.push({ kobo: last.amount, line: last.line });
    }
  }

  // Totals: the highest-priority TOTAL label; a lower one printed above it with another amount is the subtotal.
  let total: Kobo | null = null;
  let subtotal: Kobo | null = subtotals.length ? subtotals[subtotals.length - 1]!.kobo : null;
  let subtotalLine = subtotals.length ? subtotals[subtotals.length - 1]!.line : -1;
  if (totals.length) {
    const best = Math.min(...totals.map((t) => t.rank));
    const chosen = totals.find((t) => t.rank === best)!;
    total = chosen.kobo;
    if (chosen.negative) refund = true;
    const conflicting = totals.filter((t) => t.rank === best && t.kobo !== chosen.kobo);
    if (conflicting.length) {
      problems.push({ code: 'ambiguous_total', field: 'totals.total', message: `The receipt prints two different totals (${formatKobo(chosen.kobo)} and ${formatKobo(conflicting[0]!.kobo)}).` });
    }
    if (subtotal === null) {
      const above = totals.find((t) => t.line < chosen.line && t.rank > best && t.kobo !== chosen.kobo);
      if (above) {
        subtotal = above.kobo;
        subtotalLine = above.line;
      }
    }
  }

  const linesSum = items.reduce((s, it) => s + it.amount, 0);
  const discount = discounts.reduce((s, d) => s + d.kobo, 0);
  // A discount printed among the items, above a subtotal that is already net of it.
  if (subtotal !== null && discount > 0 && subtotal === linesSum - discount && discounts.every((d) => d.line < subtotalLine)) {
    subtotal = linesSum;
  }
  if (subtotal === null) subtotal = linesSum;
  const service = services.reduce((s, d) => s + d.kobo, 0);
  const tip = tips.reduce((s, d) => s + d.kobo, 0);
  const rounding = roundings.reduce((s, d) => s + (d.negative ? -d.kobo : d.kobo), 0);

  // "VAT 0%" or "VAT Exempt" with no VAT charged: the goods the receipt did not mark are zero-rated or exempt.
  const vatPrinted = body.vats.filter((v) => v.kobo > 0);
  if (vatFrees.length && vatPrinted.length === 0) for (const it of items) if (!it.marked) it.category = vatFrees[0]!.category;

  // Prices with VAT in them: said on the receipt, or the only way the printed figures add up.
  const vatSum = dedupe(vatPrinted.map((v) => ({ ...v, rate: v.rate ?? c.vatRate }))).reduce((s, v) => s + v.kobo, 0);
  // Without a VAT amount, "prices include VAT" says nothing the transaction could carry.
  let inclusive = vatSum > 0 && text.some((t) => c.inclusiveAny.test(t));
  let netPrinted: Kobo | null = null;
  if (inclusive && subtotal !== linesSum && subtotal + vatSum === linesSum) {
    // "Net amount / VAT / Total" under VAT-inclusive items: the printed subtotal is the net, the items the gross.
    netPrinted = subtotal;
    subtotal = linesSum;
  }
  if (!inclusive && total !== null && vatSum > 0) {
    const otherSum = body.others.reduce((s, o) => s + o.kobo, 0);
    const before = subtotal - discount + service + tip + rounding;
    inclusive = before !== total - vatSum - otherSum && before === total;
  }

  const { taxes, vatRate, vatCharged, taxTotal } = readTaxes(c, ctx.profile, body, { subtotal, discount, service, inclusive, netPrinted, gross: total === null ? null : total - tip - rounding }, problems);

  if (total === null) {
    problems.push({ code: 'missing_total', field: 'totals.total', message: 'No TOTAL line was found on the receipt.' });
    total = subtotal - discount + service + (inclusive ? 0 : taxTotal) + tip + rounding;
  }

  const paymentsOut = settlePayments(c, body, total, last4s, problems);

  // Required fields, with placeholders a reviewer sees as such.
  if (!receiptNumber) problems.push({ code: 'missing_receipt_number', field: 'receipt_number', message: 'No receipt, invoice or bill number was found on the receipt.' });
  if (!date) problems.push({ code: 'missing_date', field: 'issued_at', message: 'No date was found on the receipt; the capture time stands in for it.' });
  let lines = items.map((it) => ({
    description: it.description,
    quantity: formatMilli(it.quantity),
    unit_price: formatKobo(it.unitPrice),
    amount: formatKobo(it.amount),
    tax_category: it.category,
    tax_rate: it.category === 'standard' ? (vatCharged || ctx.profile.tax.missing_vat === 'review' ? formatRate(vatRate) : '0') : '0',
  }));
  if (lines.length === 0) {
    problems.push({ code: 'missing_lines', field: 'lines', message: 'No item lines could be read; only the totals were.' });
    lines = [{ description: '(items not read)', quantity: '1', unit_price: formatKobo(subtotal), amount: formatKobo(subtotal), tax_category: 'standard', tax_rate: formatRate(vatRate) }];
  }

  // Seller and buyer sit where the schema puts them, so the object is the one zod would hand back (see shape.ts).
  const sellerOut: Transaction['seller'] = seller || sellerTin ? { name: seller ?? '', ...(sellerTin ? { tin: sellerTin } : {}) } : undefined;
  let buyerOut: Transaction['buyer'];
  if (ctx.profile.extract.buyer) {
    const buyerTin = firstValue(c.re.buyerTin, text, (v) => v.replace(/\s/g, ''));
    const buyerName = firstValue(c.re.buyerName, text, (v) => v.trim());
    if (buyerTin || buyerName) buyerOut = { ...(buyerName ? { name: buyerName } : {}), ...(buyerTin ? { tin: buyerTin } : {}) };
  }
  const tx: Transaction = {
    id: ctx.id,
    source: { device_id: ctx.deviceId, integration: ctx.integration, profile: profileId(ctx.profile), captured_at: ctx.capturedAt, ...(ctx.address ? { address: ctx.address } : {}) },
    receipt_number: receiptNumber ?? `unknown-${ctx.rawSha256.slice(0, 12)}`,
    terminal_id: ctx.terminalId,
    issued_at: date ? isoDateTime(date, time, ctx.profile.timezone) : ctx.capturedAt,
    document_type: refund ? 'refund' : 'sale',
    currency: ctx.profile.currency,
    ...(sellerOut ? { seller: sellerOut } : {}),
    ...(buyerOut ? { buyer: buyerOut } : {}),
    lines,
    totals: {
      subtotal: formatKobo(subtotal),
      ...(discount ? { discount: formatKobo(discount) } : {}),
      ...(service ? { service_charge: formatKobo(service) } : {}),
      tax: formatKobo(taxTotal),
      ...(tip ? { tip: formatKobo(tip) } : {}),
      ...(rounding ? { rounding: formatKobo(rounding) } : {}),
      total: formatKobo(total),
      tax_inclusive: inclusive,
    },
    taxes,
    payments: paymentsOut,
    raw: { sha256: ctx.rawSha256, bytes: ctx.rawBytes, text },
  };

  // The hand-written check passes only what zod passes unchanged; anything else goes to zod for its exact issues.
  const schema = meetsTransactionSchema(tx) ? ({ success: true, data: tx } as const) : TransactionSchema.safeParse(tx);
  if (!schema.success) {
    return {
      status: 'unparsed',
      transaction: null,
      problems: [
        ...problems,
        ...schema.error.issues.map((issue) => ({ code: 'schema', field: issue.path.join('.'), message: `The transaction read from this receipt is malformed: ${issue.message}.` })),
      ],
    };
  }
  const all = dedupeProblems([...problems, ...validateTransaction(schema.data, { maxRounding: koboFromMoney(ctx.profile.tax.max_rounding) ?? 99 })]);
  return { status: all.length ? 'review' : 'ok', transaction: schema.data, problems: all };
}

/** What the line-by-line pass read: items, summary amounts, payments, and which lines are header fields. */
interface Body {
  items: Item[];
  subtotals: Money[];
  discounts: Money[];
  services: Array<Money & { rate: RateMilli | null }>;
  tips: Money[];
  roundings: SignedMoney[];
  vatFrees: Array<Money & { category: Category }>;
  vats: TaxRead[];
  others: TaxRead[];
  taxables: Money[];
  totals: Array<Money & { rank: number; negative: boolean }>;
  payments: PaymentRead[];
  changes: Money[];
  refund: boolean;
  fields: boolean[];
  isHeader: (i: number) => boolean;
  hintLines: string[];
  itemsSkipped: number;
}

/**
 * The line-by-line pass over a masked receipt (its own function: the engine optimises it apart from the rest, so
 * a rare branch taken late re-optimises this pass only, not the whole parser).
 */
function readBody(c: Compiled, text: string[], problems: Problem[]): Body {
  // Tax-code legends ("A = VAT 7.5%   B = VAT Exempt"): item lines may end in those codes.
  const legend = readLegend(text);
  const items: Item[] = [];
  const subtotals: Money[] = [];
  const discounts: Money[] = [];
  const services: Array<Money & { rate: RateMilli | null }> = [];
  const tips: Money[] = [];
  const roundings: SignedMoney[] = [];
  const vatFrees: Array<Money & { category: Category }> = [];
  const vats: TaxRead[] = [];
  const others: TaxRead[] = [];
  const taxables: Money[] = [];
  const totals: Array<Money & { rank: number; negative: boolean }> = [];
  const payments: PaymentRead[] = [];
  const changes: Money[] = [];
  let summaryStarted = false;
  let refund = false;
  // The line above, for the two-line layout; whether it is a header field is only asked when an item needs it.
  let previousLine: string | null = null;
  // Lines holding a receipt number or TIN: one joined pattern per line, the only pattern every line meets.
  const fields = text.map((t) => (c.fieldAny ? c.fieldAny.test(t) : true));
  const isHeader = (i: number): boolean => fields[i]! || c.headerWords.test(text[i]!);
  const previous = (): string | null =>
    previousLine !== null && !isHeader(previousIndex) && !c.ignoreAny.test(previousLine) ? previousLine : null;
  let previousIndex = -1;
  const hintLines: string[] = [];
  let itemsSkipped = 0;
  let lastAmountLine = -1;

  for (let i = 0; i < text.length; i++) {
    const line = text[i]!;
    let trimmed = line.trim();
    if (trimmed === '') {
      previousLine = null;
      continue;
    }
    if (!refund) {
      const label = labelOf(trimmed);
      if (c.refundAny.test(label) && !any(c.re.notRefund, label)) refund = true;
    }
    let coded: Category | null = null;
    if (legend.size && trimmed.length > 2 && trimmed.charCodeAt(trimmed.length - 2) === 32) {
      coded = legend.get(trimmed[trimmed.length - 1]!.toUpperCase()) ?? null;
      if (coded) trimmed = trimmed.slice(0, -1).trimEnd();
    }
    const at = c.numbers.amountAtEnd(trimmed);
    if (!at) {
      previousLine = trimmed;
      previousIndex = i;
      if (c.methodHintAny.test(trimmed)) hintLines.push(trimmed);
      continue;
    }
    if (c.ignoreAny.test(trimmed)) {
      previousLine = null;
      continue;
    }
    const head = labelOf(at.head);
    const money = { kobo: at.kobo, line: i };
    // One test says whether the line is a summary line at all; only then is each label tried in turn.
    const summary = c.summaryAny === null || c.summaryAny.test(head);
    const afterTotal = totals.length > 0;
    let rank = -1;
    let method: Method | null = null;
    if (summary && any(c.re.taxable, head)) {
      taxables.push(money);
    } else if (summary && any(c.re.change, head) && (payments.length > 0 || !/^bal/i.test(head))) {
      changes.push(money);
    } else if (summary && any(c.re.discount, head)) {
      discounts.push(money);
    } else if (summary && any(c.re.tip, head)) {
      tips.push(money);
      summaryStarted = true;
    } else if (summary && any(c.re.rounding, head)) {
      roundings.push({ kobo: money.kobo, line: money.line, negative: at.negative });
      summaryStarted = true;
    } else if (summary && any(c.re.service, head)) {
      services.push({ kobo: money.kobo, line: money.line, rate: rateIn(head) });
      summaryStarted = true;
    } else if (summary && at.kobo === 0 && any(c.re.vatFree, head)) {
      vatFrees.push({ kobo: 0, line: money.line, category: /exempt/i.test(head) ? 'exempt' : 'zero' });
      summaryStarted = true;
    } else if (summary && any(c.re.vat, head)) {
      const inHead = c.numbers.amountsIn(head.replace(/\d{1,2}(?:[.,]\d{1,3})?\s*%/g, ''));
      vats.push({ kobo: money.kobo, line: money.line, type: 'VAT', rate: rateIn(head), base: inHead.length ? inHead[inHead.length - 1]! : null });
      summaryStarted = true;
    } else if (summary && c.re.otherTaxes.some((t) => t.re.test(head))) {
      const t = c.re.otherTaxes.find((o) => o.re.test(head))!;
      others.push({ kobo: money.kobo, line: money.line, type: t.type, rate: rateIn(head), base: null });
      summaryStarted = true;
    } else if (summary && any(c.re.subtotal, head)) {
      subtotals.push(money);
      summaryStarted = true;
    } else if (summary && (rank = indexOf(c.re.total, head)) >= 0) {
      totals.push({ kobo: money.kobo, line: money.line, rank, negative: at.negative });
      summaryStarted = true;
    } else if ((summary || afterTotal) && (method = paymentMethod(c, head, afterTotal)) !== null) {
      payments.push({ kobo: money.kobo, line: money.line, method });
      summaryStarted = true;
    } else if (summary && at.negative && any(c.re.void, head) && !summaryStarted) {
      const idx = findLastIndex(items, (it) => it.amount === at.kobo);
      if (idx >= 0) items.splice(idx, 1);
      else problems.push({ code: 'void_unmatched', field: 'lines', message: `A voided line of ${formatKobo(at.kobo)} matches no item above it.` });
    } else if (!summaryStarted && at.head === '' && items.length && items[items.length - 1]!.line === lastAmountLine && items[items.length - 1]!.amount === at.kobo) {
      // The item's amount again, on a line of its own (desc  1 x 1,000.00 / 1,000.00).
    } else if (!summaryStarted && !isHeader(i)) {
      const item = c.items.read(at.head.trim(), at.kobo, previous, line);
      if (item) {
        // The receipt's own legend says what its marker means, before the profile's usual meaning of it.
        const markedAs: Category | null = coded ?? legend.get(at.marker?.toUpperCase() ?? '') ?? c.numbers.category(at.marker) ?? null;
        const category: Category = markedAs ?? 'standard';
        if (at.negative && !refund) {
          problems.push({ code: 'negative_line', field: 'lines', message: `The line "${trimmed}" is negative on a sale; check the discount or void by hand.` });
        }
        // Spelled out rather than spread: a spread plus new keys is the slow path of the engine, once per item line.
        items.push({
          description: item.description,
          quantity: item.quantity,
          quantityText: item.quantityText,
          unitPrice: item.unitPrice,
          unitPricePrinted: item.unitPricePrinted,
          amount: item.amount,
          category,
          usedPrevious: item.usedPrevious,
          line: i,
          marked: markedAs !== null,
        });
      } else {
        itemsSkipped++;
      }
    }
    previousLine = null;
    lastAmountLine = i;
  }
  return { items, subtotals, discounts, services, tips, roundings, vatFrees, vats, others, taxables, totals, payments, changes, refund, fields, isHeader, hintLines, itemsSkipped };
}

/** The figures a tax may have been charged on, and whether the prices include VAT. */
interface TaxBases {
  subtotal: Kobo;
  discount: Kobo;
  service: Kobo;
  inclusive: boolean;
  /** A net amount printed under VAT-inclusive items ("Net amount 28,046.51"). */
  netPrinted: Kobo | null;
  /** The total less tip and rounding: what VAT-inclusive prices came to. */
  gross: Kobo | null;
}

/** The taxes a receipt charged, each matched to the base it was charged on (a mismatch is a problem, not a guess). */
function readTaxes(
  c: Compiled,
  profile: Profile,
  { items, vats, others, taxables }: Body,
  { subtotal, discount, service, inclusive, netPrinted, gross }: TaxBases,
  problems: Problem[],
): { taxes: Transaction['taxes']; vatRate: RateMilli; vatCharged: boolean; taxTotal: Kobo } {
  // Taxes. Zero lines are dropped: the zero/exempt entries below are built from the items.
  // The same VAT printed again in a tax table (with or without its rate) is one tax.
  const uniqueVats = dedupe(vats.filter((v) => v.kobo > 0).map((v) => ({ ...v, rate: v.rate ?? c.vatRate })));
  const standardSum = items.filter((it) => it.category === 'standard').reduce((s, it) => s + it.amount, 0);
  const printedTaxable = netPrinted ?? (taxables.length ? taxables[taxables.length - 1]!.kobo : null);
  const taxes: Transaction['taxes'] = [];
  const tolerance = Math.max(1, items.length);
  let vatRate = c.vatRate;
  for (const v of uniqueVats) {
    const rate = v.rate ?? c.vatRate;
    vatRate = rate;
    let taxable: Kobo | undefined;
    const printed = v.base ?? printedTaxable;
    if (printed !== null) {
      // A printed taxable amount is net of VAT in either form: it is checked as it stands.
      if (Math.abs(applyRate(printed, rate) - v.kobo) <= tolerance) taxable = printed;
    } else if (inclusive) {
      const bases = baseCandidates(standardSum, subtotal, discount, service);
      if (gross !== null) bases.push(gross);
      // Exactly: the VAT inside prices is not in the total's sum, so this is the only check a misread VAT meets.
      const g = bases.find((b) => vatContained(b, rate) === v.kobo);
      if (g !== undefined) taxable = g - v.kobo;
    } else {
      taxable = baseCandidates(standardSum, subtotal, discount, service).find((b) => Math.abs(applyRate(b, rate) - v.kobo) <= tolerance);
    }
    if (taxable === undefined) {
      problems.push({
        code: 'tax_base_unknown',
        field: 'taxes',
        message: inclusive
          ? `The VAT of ${formatKobo(v.kobo)} is not the ${formatRate(rate)} % contained in VAT-inclusive prices (of the items, the subtotal or the total).`
          : `The VAT of ${formatKobo(v.kobo)} is not ${formatRate(rate)} % of the items, the subtotal or the subtotal with service charge.`,
      });
    }
    taxes.push({ type: 'VAT', category: 'standard', rate: formatRate(rate), taxable_amount: formatKobo(taxable ?? Math.round((v.kobo * 100_000) / Math.max(rate, 1))), amount: formatKobo(v.kobo) });
  }
  for (const o of dedupe(others.filter((v) => v.kobo > 0))) {
    const candidates = baseCandidates(subtotal, subtotal, discount, service);
    const rate = o.rate ?? guessRate(o.kobo, candidates);
    const base = rate === null ? undefined : candidates.find((b) => Math.abs(applyRate(b, rate) - o.kobo) <= tolerance);
    if (rate === null || base === undefined) {
      problems.push({ code: 'tax_base_unknown', field: 'taxes', message: `The ${o.type.toLowerCase().replace(/_/g, ' ')} of ${formatKobo(o.kobo)} does not match a rate of the subtotal.` });
    }
    const r = rate ?? 0;
    taxes.push({ type: o.type, category: 'standard', rate: formatRate(r), taxable_amount: formatKobo(base ?? (r ? Math.round((o.kobo * 100_000) / r) : 0)), amount: formatKobo(o.kobo) });
  }
  for (const cat of ['zero', 'exempt'] as const) {
    const sum = items.filter((it) => it.category === cat).reduce((s, it) => s + it.amount, 0);
    if (sum > 0) taxes.push({ type: 'VAT', category: cat, rate: '0', taxable_amount: formatKobo(sum), amount: '0.00' });
  }
  const vatCharged = uniqueVats.length > 0;
  if (!vatCharged && standardSum > 0) {
    if (profile.tax.missing_vat === 'review') {
      problems.push({ code: 'missing_vat', field: 'taxes', message: 'No VAT line was found although the items are not marked exempt or zero-rated: check whether VAT was charged.' });
    }
  }
  const taxTotal = taxes.reduce((s, t) => s + (koboFromMoney(t.amount) ?? 0), 0);
  return { taxes, vatRate, vatCharged, taxTotal };
}

/** The payments as they settled the sale: change taken off the cash, repeated summary lines dropped, card last four attached. */
function settlePayments(c: Compiled, { payments, changes, hintLines }: Body, total: Kobo, last4s: string[], problems: Problem[]): Transaction['payments'] {
  // Payments: cash tendered less change; summary lines ("AMOUNT PAID") that repeat a named payment dropped.
  let pays = payments.slice();
  const named = pays.filter((p) => p.method !== 'other');
  if (named.length) {
    const namedSum = named.reduce((s, p) => s + p.kobo, 0);
    pays = pays.filter((p) => p.method !== 'other' || (p.kobo !== namedSum && !named.some((n) => n.kobo === p.kobo)));
  }
  const hint = findMethodHint(c, hintLines);
  if (hint) for (const p of pays) if (p.method === 'other') p.method = hint;
  const change = changes.reduce((s, ch) => s + ch.kobo, 0);
  if (change > 0) {
    const cash = findLastIndex(pays, (p) => p.method === 'cash') >= 0 ? findLastIndex(pays, (p) => p.method === 'cash') : findLastIndex(pays, (p) => p.method === 'other');
    if (cash >= 0 && pays[cash]!.kobo > change) {
      pays[cash] = { ...pays[cash]!, method: pays[cash]!.method === 'other' ? 'cash' : pays[cash]!.method, kobo: pays[cash]!.kobo - change };
      // Change is given only from an overpayment: what stays paid must be the total exactly.
      const paid = pays.reduce((sum, p) => sum + p.kobo, 0);
      if (paid !== total) {
        problems.push({
          code: 'change_mismatch',
          field: 'payments',
          message: `Paid ${formatKobo(paid + change)} with change of ${formatKobo(change)} leaves ${formatKobo(paid)}, not the total ${formatKobo(total)}.`,
        });
      }
    } else {
      problems.push({ code: 'change_unmatched', field: 'payments', message: `Change of ${formatKobo(change)} was given but no cash payment larger than it was found.` });
    }
  }
  if (pays.length === 0 && hint) pays = [{ method: hint, kobo: total, line: -1 }];
  // Cash tendered with no change printed: what settled the sale is the total, the rest went back as change.
  if (change === 0 && pays.length === 1 && pays[0]!.method === 'cash' && pays[0]!.kobo > total) pays[0] = { ...pays[0]!, kobo: total };
  if (pays.some((p) => p.method === 'other')) {
    problems.push({ code: 'payment_method_unknown', field: 'payments', message: 'A payment was read but not how it was made (cash, card, transfer or mobile money).' });
  }
  const cardLast4 = last4s.slice();
  const paymentsOut: Transaction['payments'] = pays.map((p) => {
    const out: Transaction['payments'][number] = { method: p.method, amount: formatKobo(p.kobo) };
    if (p.method === 'card' && cardLast4.length) out.card_last4 = cardLast4.shift()!;
    return out;
  });
  return paymentsOut;
}

function findLastIndex<T>(list: T[], pred: (t: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return i;
  return -1;
}

/** The same tax printed twice (summary and tax table) counts once. */
function dedupe<T extends TaxRead>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((t) => {
    const key = `${t.type}|${t.rate}|${t.kobo}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function dedupeProblems(list: Problem[]): Problem[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const key = `${p.code}|${p.field}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Amounts VAT is commonly charged on: the standard-rated items or the subtotal, less discount, plus service charge. */
function baseCandidates(standard: Kobo, subtotal: Kobo, discount: Kobo, service: Kobo): Kobo[] {
  const out = [standard, standard - discount, standard + service, standard - discount + service, subtotal, subtotal - discount, subtotal + service, subtotal - discount + service];
  return [...new Set(out)].filter((b) => b > 0);
}

/** A tax printed without its rate: a whole or half percentage of one of the bases, if one fits exactly. */
function guessRate(amount: Kobo, bases: Kobo[]): RateMilli | null {
  for (const base of bases) {
    for (let r = 500; r <= 25_000; r += 500) if (Math.abs(applyRate(base, r) - amount) <= 1) return r;
  }
  return null;
}

/** Header labels ("Tel:", "Cashier:", "Table #"): with their colon or #, so "Phone Case" stays an item. */
const HEADER_WORDS = '\\b(?:date|time|tel|phone|cashier|till|table|terminal|served\\s+by|operator|clerk|attendant|waiter|server)\\b\\s*(?:no\\.?|id)?\\s*[:#]';

const DATE_LIKE = /^\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}$/;

/** Tax-code legends: "A = VAT 7.5%", "B - Exempt", "Z: zero-rated", several per line. */
const LEGEND = /(?:^|\s)\(?([A-Z*#])\)?\s*(?:[=:-]\s*(?:vat\s*)?(exempt\w*|zero[\s-]*rated|0\s*%|\d{1,2}(?:\.\d+)?\s*%|vat(?:able)?|standard|taxable)|(?:vat\s+)?(exempt\w*|zero[\s-]*rated))/gi;

const LEGEND_HINT = /(?:[=:-]\s*(?:vat\s*)?(?:exempt|zero|\d{1,2}(?:\.\d+)?\s*%|vat|standard|taxable))|[*#)]\s*(?:vat\s+)?(?:exempt|zero)/i;

function readLegend(text: string[]): Map<string, Category> {
  const out = new Map<string, Category>();
  for (const line of text) {
    if (!LEGEND_HINT.test(line)) continue;
    for (const m of line.matchAll(LEGEND)) {
      const what = (m[2] ?? m[3]!).toLowerCase();
      const cat: Category = what.startsWith('exempt') ? 'exempt' : what.startsWith('zero') || /^0\s*%/.test(what) ? 'zero' : 'standard';
      out.set(m[1]!.toUpperCase(), cat);
    }
  }
  return out;
}

function findReceiptNumber(c: Compiled, text: string[]): string | null {
  const all = c.receiptNumberAny ? text.filter((line) => c.receiptNumberAny!.test(line)) : text;
  // A refund names the receipt it reverses ("Orig Receipt: GS-22918"): its own number comes first.
  const own = all.filter((line) => !ORIGINAL_DOCUMENT.test(line));
  const candidates = own.length ? own : all;
  if (candidates.length === 0) return null;
  for (const re of c.re.receiptNumber) {
    for (const line of candidates) {
      const m = re.exec(line);
      const v = m?.groups?.value?.replace(/[.,:;]+$/, '');
      if (v && /\d/.test(v) && !DATE_LIKE.test(v) && v.length <= 40) return v;
    }
  }
  return null;
}

function firstValue(list: RegExp[], text: string[], clean: (v: string) => string): string | null {
  for (const re of list) {
    for (const line of text) {
      const v = re.exec(line)?.groups?.value;
      if (v) return clean(v);
    }
  }
  return null;
}

const ORIGINAL_DOCUMENT = /\b(?:orig(?:inal)?|prev(?:ious)?|old|ref(?:erence)?\s+(?:receipt|invoice))\b/i;

/** Dates that are not when the sale happened: stays, expiry, due dates, the original of a refund. */
const OTHER_DATE = /\b(?:arriv\w*|depart\w*|exp(?:iry|ires?)?|valid\w*|due|dob|birth|check[\s-]?(?:in|out)|orig\w*|from|until|period)\b/i;

function findIssued(profile: Profile, text: string[]): { date: DateParts | null; time: TimeParts | null } {
  // The sale's date: one labelled "Date" or printed with a time beats others; stay, expiry and original dates lose.
  let best: { date: DateParts; time: TimeParts | null; score: number } | null = null;
  for (let i = 0; i < text.length; i++) {
    const line = text[i]!;
    const found = findDate(line, profile.dates.order);
    if (!found) continue;
    const rest = line.slice(0, found.index) + ' ' + line.slice(found.index + found.length);
    let time = findTime(rest);
    const sameLine = time !== null;
    for (let j = Math.max(0, i - 2); !time && j < Math.min(text.length, i + 3); j++) {
      if (j !== i && /\btime\b|^\W*\d{1,2}:\d{2}/i.test(text[j]!)) time = findTime(text[j]!);
    }
    const score = (/\bdate\b/i.test(line) ? 2 : 0) + (sameLine ? 1 : 0) - (OTHER_DATE.test(line) ? 4 : 0);
    if (!best || score > best.score) best = { date: found.date, time, score };
    // A labelled or timed date is the sale's: stop there (most receipts print it in the first lines).
    if (score >= 1) break;
  }
  return best ? { date: best.date, time: best.time } : { date: null, time: null };
}

function findSeller(c: Compiled, receipt: DecodedReceipt, text: string[], isHeader: (i: number) => boolean): string | null {
  const candidates: Array<{ name: string; styled: boolean }> = [];
  for (let i = 0; i < Math.min(text.length, 8); i++) {
    const t = text[i]!.trim();
    if (isHeader(i) || !/\p{L}{2,}/u.test(t) || c.notSellerAny.test(t) || c.numbers.amountAtEnd(t)) continue;
    const style = receipt.lines[i]?.style;
    candidates.push({ name: t.replace(/\s{2,}/g, ' '), styled: Boolean(style && (style.bold || style.doubleWidth || style.doubleHeight)) });
  }
  return (candidates.find((x) => x.styled) ?? candidates[0])?.name ?? null;
}

const PAID_PREFIX = /^(?:amount\s+)?(?:paid|payment|tendered|refunded|refund(?:ed)?\s+(?:to|by|via)|settled)(?:\s+(?:by|with|via|to|in|using))?\s*[:\-]?\s*/i;

/**
 * The payment method a summary line names. Labels are anchored at the start ("CARD", "PAID BY CARD");
 * once the total has been read, a method named later in the line counts too ("Moniepoint Transfer").
 */
function paymentMethod(c: Compiled, head: string, afterTotal: boolean): Method | null {
  const named = c.re.payments.filter((p) => p.method !== 'other');
  const stripped = head.replace(PAID_PREFIX, '').replace(/^[([]+\s*|\s*[)\]]+$/g, '');
  for (const text of stripped !== head ? [stripped, head] : [head]) {
    const hit = named.find((p) => any(p.re, text));
    if (hit) return hit.method;
  }
  if (afterTotal) {
    const words = head.split(/\s+/);
    for (let i = 1; i < words.length; i++) {
      const hit = named.find((p) => any(p.re, words.slice(i).join(' ')));
      if (hit) return hit.method;
    }
  }
  return any(c.re.payments.find((p) => p.method === 'other')!.re, head) ? 'other' : null;
}

function findMethodHint(c: Compiled, text: string[]): Method | null {
  const methodOf = (v: string): Method | null => {
    const label = labelOf(v);
    const p = c.re.payments.find((pm) => pm.method !== 'other' && any(pm.re, label));
    return p ? p.method : null;
  };
  if (text.length === 0) return null;
  for (const re of c.re.methodHint) {
    for (const line of text) {
      const v = re.exec(line)?.groups?.value;
      if (v) {
        const m = methodOf(v);
        if (m) return m;
      }
    }
  }
  return null;
}
