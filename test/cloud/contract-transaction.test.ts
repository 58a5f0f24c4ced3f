// The transaction fields of cloud-api.md §3 (tax_inclusive, tip, rounding, service charge, consumption tax) through the client and the sandbox: accepted when they add up, refused with the reason when not; older transactions stay valid.
import { afterEach, describe, expect, it } from 'vitest';
import { TransactionSchema, type Transaction } from '../../main/receipts/index.js';
import { acceptedExactlyOnce, rig, type Rig } from './fixture.js';
import { makeTransaction } from './memory-queue.js';

const open: Rig[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

async function sendAll(transactions: Transaction[]): Promise<Rig> {
  const r = await rig();
  open.push(r);
  for (const tx of transactions) r.queue.add(tx);
  r.forwarder.start();
  await r.forwarder.syncNow();
  return r;
}

/** A restaurant bill: service charge 10 %, VAT 7.5 % on subtotal + service, Lagos consumption tax 5 %, a tip and a rounding. */
const restaurant = (n: number, over: Partial<Transaction['totals']> = {}): Transaction =>
  makeTransaction(n, {
    lines: [{ description: 'Pepper soup', quantity: '2', unit_price: '4500.00', amount: '9000.00', tax_category: 'standard', tax_rate: '7.5' }],
    totals: { subtotal: '9000.00', service_charge: '900.00', tax: '1192.50', tip: '500.00', rounding: '-0.50', total: '11592.00', tax_inclusive: false, ...over },
    taxes: [
      { type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '9900.00', amount: '742.50' },
      { type: 'consumption_tax', category: 'standard', rate: '5', taxable_amount: '9000.00', amount: '450.00' },
    ],
    payments: [{ method: 'card', amount: '11592.00', card_last4: '8690' }],
  });

/** Shelf prices with VAT in them: the total does not add the VAT, it contains it. */
const inclusive = (n: number, total = '30150.00'): Transaction =>
  makeTransaction(n, {
    lines: [{ description: 'Groceries', quantity: '1', unit_price: '30150.00', amount: '30150.00', tax_category: 'standard', tax_rate: '7.5' }],
    totals: { subtotal: '30150.00', tax: '2103.49', total, tax_inclusive: true },
    taxes: [{ type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '28046.51', amount: '2103.49' }],
    payments: [{ method: 'transfer', amount: total }],
  });

describe('transaction v1: the fields that say what was printed', () => {
  it('the schema takes tax_inclusive, tip and a signed rounding, refuses a negative tip, and still takes a transaction without them', () => {
    expect(TransactionSchema.safeParse(restaurant(1)).success).toBe(true);
    expect(TransactionSchema.safeParse(inclusive(2)).success).toBe(true);
    expect(TransactionSchema.safeParse(makeTransaction(3)).success).toBe(true);
    expect(TransactionSchema.safeParse(restaurant(4, { tip: '-500.00' })).success).toBe(false);
    expect(TransactionSchema.safeParse(restaurant(5, { rounding: '-0.5' })).success).toBe(false);
  });

  it('the schema keeps the source extras §3 names (a lane\'s address, OCR figures) instead of dropping them', () => {
    const tx = makeTransaction(6);
    const source = { ...tx.source, address: '192.168.1.20', ocr: { engine: 'tesseract', mean_confidence: '0.93' } };
    const parsed = TransactionSchema.parse({ ...tx, source });
    expect(parsed.source).toEqual(source);
    expect(TransactionSchema.safeParse({ ...tx, source: { ...source, ocr: { engine: 'tesseract', mean_confidence: '93' } } }).success).toBe(false);
  });

  it('the sandbox accepts a restaurant bill, a VAT-inclusive receipt and an older transaction when each adds up', async () => {
    const r = await sendAll([restaurant(1), inclusive(2), makeTransaction(3)]);
    expect(r.queue.inState('accepted')).toHaveLength(3);
    expect(acceptedExactlyOnce(r)).toBe(true);
  });

  it('the sandbox refuses, per transaction and with the reason, totals that do not add up; the rest go through', async () => {
    const tipLeftOut = restaurant(1, { total: '11092.00' });
    const inclusiveTaxAdded = inclusive(2, '32253.49');
    const r = await sendAll([tipLeftOut, inclusiveTaxAdded, restaurant(3)]);
    const rejected = r.queue.inState('rejected');
    expect(rejected.map((x) => x.id).sort()).toEqual([tipLeftOut.id, inclusiveTaxAdded.id].sort());
    for (const row of rejected) expect(row.problems[0]).toMatchObject({ code: 'total_mismatch', field: 'totals.total' });
    expect(rejected.find((x) => x.id === tipLeftOut.id)!.problems[0]!.message).toMatch(/\+ tip NGN 500\.00 .*is NGN 11,592\.00, but the receipt's total is NGN 11,092\.00/);
    expect(r.queue.inState('accepted').map((x) => x.id)).toEqual([restaurant(3).id]);
  });
});
