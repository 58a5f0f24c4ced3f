// A hand-written fast check that a built transaction meets TransactionSchema (the parser's hot path); zod stays the judge on any doubt.
import type { Transaction } from './transaction.js';

// The schema's own patterns (transaction.ts), repeated here: test/receipts/shape.test.ts proves the two agree.
const MONEY = /^\d+\.\d{2}$/;
const SIGNED_MONEY = /^-?\d+\.\d{2}$/;
const QUANTITY = /^\d+(\.\d{1,3})?$/;
const RATE = /^\d+(\.\d+)?$/;
const LAST4 = /^\d{4}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const INTEGRATIONS = new Set(['escpos_serial', 'escpos_tcp', 'ecr_serial', 'hid']);
const CATEGORIES = new Set(['standard', 'zero', 'exempt']);
const METHODS = new Set(['cash', 'card', 'transfer', 'mobile_money', 'other']);

const str = (v: unknown, min = 0): boolean => typeof v === 'string' && v.length >= min;
const money = (v: unknown): boolean => typeof v === 'string' && MONEY.test(v);
const rate = (v: unknown): boolean => typeof v === 'string' && RATE.test(v);

const TX_KEYS = ['id', 'source', 'receipt_number', 'terminal_id', 'issued_at', 'document_type', 'currency', 'seller', 'buyer', 'lines', 'totals', 'taxes', 'payments', 'raw'] as const;
const SOURCE_KEYS = ['device_id', 'integration', 'profile', 'captured_at', 'address', 'ocr'] as const;
const PARTY_KEYS = ['name', 'tin'] as const;
const LINE_KEYS = ['description', 'quantity', 'unit_price', 'amount', 'tax_category', 'tax_rate'] as const;
const TOTALS_KEYS = ['subtotal', 'discount', 'service_charge', 'tax', 'tip', 'rounding', 'total', 'tax_inclusive'] as const;
const TAX_KEYS = ['type', 'category', 'rate', 'taxable_amount', 'amount'] as const;
const PAYMENT_KEYS = ['method', 'amount', 'card_last4'] as const;
const RAW_KEYS = ['sha256', 'bytes', 'text'] as const;

/**
 * A plain object whose keys are among the schema's, in the schema's order (zod writes its output in shape order), none
 * of them present-but-undefined (zod would drop those): one pass over the keys.
 */
function plain(o: unknown, order: readonly string[]): o is Record<string, unknown> {
  if (typeof o !== 'object' || o === null || Object.getPrototypeOf(o) !== Object.prototype) return false;
  const r = o as Record<string, unknown>;
  let at = 0;
  for (const k in r) {
    while (at < order.length && order[at] !== k) at++;
    if (at === order.length || r[k] === undefined) return false;
    at++;
  }
  return true;
}

/**
 * True only when `TransactionSchema.safeParse(tx)` would succeed and hand back an object deeply equal to `tx`, keys
 * in the same order: then the parser may skip zod. False means "ask zod" (it gives the exact issues), not "invalid".
 */
export function meetsTransactionSchema(tx: Transaction): boolean {
  const t: unknown = tx;
  if (!plain(t, TX_KEYS)) return false;
  if (!str(t.id, 16) || !str(t.receipt_number, 1) || !str(t.terminal_id, 1) || !str(t.issued_at, 1)) return false;
  if (t.document_type !== 'sale' && t.document_type !== 'refund') return false;
  if (typeof t.currency !== 'string' || t.currency.length !== 3) return false;

  const s = t.source;
  if (!plain(s, SOURCE_KEYS) || !str(s.device_id, 1) || !INTEGRATIONS.has(s.integration as string) || !str(s.profile, 1) || !str(s.captured_at, 1)) return false;
  if (!('device_id' in s && 'integration' in s && 'profile' in s && 'captured_at' in s)) return false;
  // Rare extras (a lane's address, OCR figures): zod judges them.
  if ('address' in s || 'ocr' in s) return false;

  for (const party of [t.seller, t.buyer] as const) {
    if (party === undefined) continue;
    if (!plain(party, PARTY_KEYS)) return false;
    if ('name' in party && !str(party.name)) return false;
    if ('tin' in party && !str(party.tin)) return false;
  }
  if ('seller' in t && !('name' in (t.seller as object))) return false;

  const lines = t.lines;
  if (!Array.isArray(lines) || lines.length < 1) return false;
  for (const l of lines as unknown[]) {
    if (!plain(l, LINE_KEYS) || Object.keys(l).length !== LINE_KEYS.length) return false;
    if (!str(l.description) || typeof l.quantity !== 'string' || !QUANTITY.test(l.quantity) || !money(l.unit_price) || !money(l.amount)) return false;
    if (!CATEGORIES.has(l.tax_category as string) || !rate(l.tax_rate)) return false;
  }

  const totals = t.totals;
  if (!plain(totals, TOTALS_KEYS) || !money(totals.subtotal) || !money(totals.tax) || !money(totals.total)) return false;
  if ('discount' in totals && !money(totals.discount)) return false;
  if ('service_charge' in totals && !money(totals.service_charge)) return false;
  if ('tip' in totals && !money(totals.tip)) return false;
  if ('rounding' in totals && (typeof totals.rounding !== 'string' || !SIGNED_MONEY.test(totals.rounding))) return false;
  if ('tax_inclusive' in totals && typeof totals.tax_inclusive !== 'boolean') return false;

  if (!Array.isArray(t.taxes)) return false;
  for (const x of t.taxes as unknown[]) {
    if (!plain(x, TAX_KEYS) || Object.keys(x).length !== TAX_KEYS.length) return false;
    if (!str(x.type, 1) || !CATEGORIES.has(x.category as string) || !rate(x.rate) || !money(x.taxable_amount) || !money(x.amount)) return false;
  }

  if (!Array.isArray(t.payments)) return false;
  for (const p of t.payments as unknown[]) {
    if (!plain(p, PAYMENT_KEYS) || !METHODS.has(p.method as string) || !money(p.amount)) return false;
    if ('card_last4' in p && (typeof p.card_last4 !== 'string' || !LAST4.test(p.card_last4))) return false;
  }

  const raw = t.raw;
  if (!plain(raw, RAW_KEYS) || typeof raw.sha256 !== 'string' || !SHA256.test(raw.sha256)) return false;
  if (typeof raw.bytes !== 'number' || !Number.isSafeInteger(raw.bytes) || raw.bytes < 0 || Object.is(raw.bytes, -0)) return false;
  if ('text' in raw) {
    if (!Array.isArray(raw.text)) return false;
    for (const line of raw.text as unknown[]) if (typeof line !== 'string') return false;
  }
  return true;
}
