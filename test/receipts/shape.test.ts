// The parser's hand-written schema check (shape.ts) is sound: whatever it passes, zod passes and hands back unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode } from '../../main/escpos/index.js';
import { parseReceipt, TransactionSchema, type Transaction } from '../../main/receipts/index.js';
import { meetsTransactionSchema } from '../../main/receipts/shape.js';
import { printReceipt, randomReceiptSpec } from '../../sandbox/receipt-printer.js';
import { contextFor, receiptOf } from './decoded.js';
import { mulberry32 } from '../../sandbox/seeded-random.js';

/** Transactions the parser really builds: random printed receipts of every sandbox layout, with each shipped profile. */
function corpus(count: number): Transaction[] {
  const rng = mulberry32(77);
  const out: Transaction[] = [];
  const profiles = ['generic@1', 'us-dates@1', 'decimal-comma@1', 'fixed-columns@1'];
  for (let i = 0; i < count; i++) {
    const [r] = decode(printReceipt(randomReceiptSpec(rng)));
    const result = parseReceipt(r!, contextFor(r!, profiles[i % profiles.length]));
    if (result.transaction) out.push(result.transaction);
  }
  return out;
}

const clone = <T>(v: T): T => structuredClone(v);

/** A transaction as loose JSON, to damage on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

describe('meetsTransactionSchema', () => {
  const txs = corpus(1200);

  it('passes what the parser builds, and zod gives back the very same object (same keys, same order)', () => {
    expect(txs.length).toBeGreaterThan(800);
    for (const tx of txs) {
      expect(meetsTransactionSchema(tx)).toBe(true);
      const zod = TransactionSchema.safeParse(tx);
      expect(zod.success).toBe(true);
      expect(JSON.stringify(zod.data)).toBe(JSON.stringify(tx));
    }
    // Seller, buyer (a B2B profile extracts it), discounts and card last-four are in the corpus, not just the bare minimum.
    expect(txs.some((t) => t.seller?.tin)).toBe(true);
    expect(txs.some((t) => t.totals.discount)).toBe(true);
    expect(txs.some((t) => t.payments.some((p) => p.card_last4))).toBe(true);
  });

  it('a buyer, seller and every optional field in schema order pass with zod agreeing', () => {
    const r = receiptOf(['SHOP', 'TIN: 12345678-0001', 'Customer: Ada Obi', 'Customer TIN: 87654321-0001', 'Receipt No: 88', 'Bread  1,000.00', 'VAT 7.5%  75.00', 'TOTAL  1,075.00', 'CASH  1,075.00']);
    const ctx = contextFor(r);
    const res = parseReceipt(r, { ...ctx, profile: { ...ctx.profile, extract: { ...ctx.profile.extract, buyer: true } } });
    expect(res.transaction?.buyer).toBeDefined();
    expect(meetsTransactionSchema(res.transaction!)).toBe(true);
    expect(JSON.stringify(TransactionSchema.parse(res.transaction))).toBe(JSON.stringify(res.transaction));
  });

  it('refuses each way a transaction breaks the schema (zod then reports it)', () => {
    const base = txs.find((t) => t.seller && t.payments.length)!;
    const breaks: Array<(t: Loose) => void> = [
      (t) => (t.id = 'tx_short'),
      (t) => (t.source.device_id = ''),
      (t) => (t.source.integration = 'usb'),
      (t) => (t.source.profile = ''),
      (t) => (t.source.captured_at = ''),
      (t) => delete t.source.captured_at,
      (t) => (t.receipt_number = ''),
      (t) => (t.terminal_id = ''),
      (t) => (t.issued_at = ''),
      (t) => (t.document_type = 'invoice'),
      (t) => (t.currency = 'NAIRA'),
      (t) => (t.seller = { tin: '123' }),
      (t) => (t.seller.name = 5),
      (t) => (t.buyer = { tin: 7 }),
      (t) => (t.lines = []),
      (t) => (t.lines[0].quantity = '1.2345'),
      (t) => (t.lines[0].quantity = '-1'),
      (t) => (t.lines[0].unit_price = '10.5'),
      (t) => (t.lines[0].amount = '-10.00'),
      (t) => (t.lines[0].tax_category = 'luxury'),
      (t) => (t.lines[0].tax_rate = '7.'),
      (t) => delete t.lines[0].description,
      (t) => (t.totals.subtotal = '1,000.00'),
      (t) => (t.totals.discount = '5'),
      (t) => (t.totals.service_charge = 'x'),
      (t) => (t.totals.tax = ''),
      (t) => delete t.totals.total,
      (t) => (t.taxes = [{ type: '', category: 'standard', rate: '7.5', taxable_amount: '1.00', amount: '0.08' }]),
      (t) => (t.taxes = [{ type: 'VAT', category: 'standard', rate: '7.5%', taxable_amount: '1.00', amount: '0.08' }]),
      (t) => (t.taxes = [{ type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '1.00' }]),
      (t) => (t.payments[0].method = 'cheque'),
      (t) => (t.payments[0].amount = '1e3'),
      (t) => (t.payments[0].card_last4 = '12345'),
      (t) => (t.payments[0].card_last4 = '4111111111111111'),
      (t) => (t.raw.sha256 = 'ABC'),
      (t) => (t.raw.bytes = 1.5),
      (t) => (t.raw.bytes = -1),
      (t) => (t.raw.bytes = Number.NaN),
      (t) => (t.raw.text = [1]),
      (t) => (t.raw = null),
      (t) => (t.payments = {}),
    ];
    for (const brk of breaks) {
      const t = clone(base);
      brk(t);
      expect(TransactionSchema.safeParse(t).success, String(brk)).toBe(false);
      expect(meetsTransactionSchema(t), String(brk)).toBe(false);
    }
  });

  it('anything zod would change (extra keys, undefined values, another key order) is left to zod', () => {
    const base = txs[0]!;
    const changes: Array<(t: Loose) => Loose> = [
      (t) => ({ ...t, extra: 1 }),
      (t) => ({ ...t, seller: undefined }),
      (t) => ({ ...t, totals: { ...t.totals, discount: undefined } }),
      (t) => ({ raw: t.raw, ...t }),
      (t) => ({ ...t, lines: [{ ...t.lines[0], note: 'x' }] }),
    ];
    for (const change of changes) expect(meetsTransactionSchema(change(clone(base))), String(change)).toBe(false);
  });

  it('random damage: whenever the fast check passes, zod passes and returns the same object', () => {
    const values = fc.oneof(
      fc.constantFrom('', '1', '1.00', '1.5', '1.234', '1.2345', '-1.00', 'cash', 'card', 'VAT', 'standard', 'zero', 'sale', 'refund', 'NGN', '1234', 'a'.repeat(64), 'f'.repeat(64)),
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.double(),
      fc.constantFrom(null, undefined, [], {}, true),
    );
    const paths = (o: unknown, at: string[] = []): string[][] =>
      o !== null && typeof o === 'object' ? [at, ...Object.keys(o).flatMap((k) => paths((o as Record<string, unknown>)[k], [...at, k]))] : [at];
    let passed = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.nat(txs.length - 1), fc.nat(), values, fc.boolean(), (which, pick, value, remove) => {
        const t = clone(txs[which]!) as Record<string, unknown>;
        const all = paths(t).filter((p) => p.length > 0);
        const path = all[pick % all.length]!;
        let o = t as Record<string, unknown>;
        for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
        if (remove) delete o[path[path.length - 1]!];
        else o[path[path.length - 1]!] = value;
        if (meetsTransactionSchema(t as Transaction)) {
          passed++;
          const zod = TransactionSchema.safeParse(t);
          expect(zod.success).toBe(true);
          expect(JSON.stringify(zod.data)).toBe(JSON.stringify(t));
        } else refused++;
      }),
      { numRuns: 3000 },
    );
    // Both sides were exercised: some damage is harmless (a description changed), most is not.
    expect(passed).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
