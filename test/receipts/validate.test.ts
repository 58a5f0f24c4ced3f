// validateTransaction: integer-kobo checks of lines, taxes, total and payments, each failure named with a message a merchant reads.
import { describe, expect, it } from 'vitest';
import { validateTransaction, type Transaction } from '../../main/receipts/index.js';

function tx(over: Partial<Transaction> = {}): Transaction {
  return {
    id: 'tx_0123456789abcdef0123',
    source: { device_id: 'till-1', integration: 'escpos_tcp', profile: 'generic@1', captured_at: '2026-11-24T12:00:00Z' },
    receipt_number: '1',
    terminal_id: 'LANE-1',
    issued_at: '2026-11-24T13:45:00+01:00',
    document_type: 'sale',
    currency: 'NGN',
    lines: [
      { description: 'Coke', quantity: '3', unit_price: '333.33', amount: '999.99', tax_category: 'standard', tax_rate: '7.5' },
      { description: 'Fuel', quantity: '10.27', unit_price: '897.00', amount: '9212.19', tax_category: 'exempt', tax_rate: '0' },
    ],
    totals: { subtotal: '10212.18', discount: '100.00', service_charge: '50.00', tax: '71.25', total: '10233.43' },
    taxes: [
      { type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '949.99', amount: '71.25' },
      { type: 'VAT', category: 'exempt', rate: '0', taxable_amount: '9212.19', amount: '0.00' },
    ],
    payments: [{ method: 'cash', amount: '10233.43' }],
    raw: { sha256: 'a'.repeat(64), bytes: 10 },
    ...over,
  };
}

const codes = (t: Transaction): string[] => validateTransaction(t).map((p) => p.code);

describe('validateTransaction', () => {
  it('passes a transaction that adds up to the kobo (rounded tax, litres rounded at the pump)', () => {
    expect(validateTransaction(tx())).toEqual([]);
  });

  it('flags lines that do not sum to the subtotal, by one kobo', () => {
    const p = validateTransaction(tx({ totals: { ...tx().totals, subtotal: '10212.19', total: '10233.44' }, payments: [{ method: 'cash', amount: '10233.44' }] }));
    expect(p).toEqual([{ code: 'lines_subtotal_mismatch', field: 'totals.subtotal', message: expect.stringMatching(/items add up to NGN 10,212\.18, but the subtotal is NGN 10,212\.19/) }]);
  });

  it('flags a tax that is not its rate of its taxable amount beyond a kobo per line', () => {
    const t = tx();
    t.taxes[0] = { ...t.taxes[0]!, amount: '71.27' };
    t.totals = { ...t.totals, tax: '71.27', total: '10233.45' };
    t.payments = [{ method: 'cash', amount: '10233.45' }];
    expect(codes(t)).toEqual(['tax_rate_mismatch']);
    t.taxes[0] = { ...t.taxes[0]!, amount: '71.26' };
    t.totals = { ...t.totals, tax: '71.26', total: '10233.44' };
    t.payments = [{ method: 'cash', amount: '10233.44' }];
    expect(codes(t)).toEqual([]);
  });

  it('flags taxes that do not add up to the tax total', () => {
    expect(codes(tx({ totals: { ...tx().totals, tax: '72.25', total: '10234.43' }, payments: [{ method: 'cash', amount: '10234.43' }] }))).toEqual(['tax_sum_mismatch']);
  });

  it('flags subtotal − discount + service charge + tax ≠ total, and says when VAT is inside the prices', () => {
    expect(codes(tx({ totals: { ...tx().totals, total: '10233.42' } }))).toEqual(['total_mismatch']);
    const inclusive = tx({ totals: { ...tx().totals, total: '10162.18' }, payments: [{ method: 'cash', amount: '10162.18' }] });
    expect(validateTransaction(inclusive)[0]!.message).toMatch(/already includes the tax/);
  });

  it('flags a line whose quantity × price is not its amount', () => {
    const t = tx();
    t.lines[0] = { ...t.lines[0]!, unit_price: '333.00' };
    expect(validateTransaction(t)[0]).toMatchObject({ code: 'line_arithmetic', field: 'lines[0].amount', message: expect.stringContaining('"Coke": 3 × NGN 333.00 is NGN 999.00') });
  });

  it('flags payments that do not cover the total, and none at all', () => {
    expect(codes(tx({ payments: [{ method: 'card', amount: '10000.00' }, { method: 'cash', amount: '233.42' }] }))).toEqual(['payments_short']);
    expect(codes(tx({ payments: [] }))).toEqual(['missing_payment']);
  });

  it('flags an exempt line that carries a rate', () => {
    const t = tx();
    t.lines[1] = { ...t.lines[1]!, tax_rate: '7.5' };
    expect(codes(t)).toEqual(['line_tax_rate']);
  });
});
