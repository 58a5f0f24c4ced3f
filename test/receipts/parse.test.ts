// The generic parser on receipts built from text lines: layouts, taxes, payments, refunds, masking, and what it refuses.
import { describe, expect, it } from 'vitest';
import { findPans, parseReceipt, type ParseResult } from '../../main/receipts/index.js';
import { contextFor, receiptOf } from './decoded.js';

function parse(text: string, profile = 'generic@1'): ParseResult {
  const r = receiptOf(text);
  return parseReceipt(r, contextFor(r, profile));
}

const codes = (r: ParseResult): string[] => r.problems.map((p) => p.code);

const SUPERMARKET = `
**GRACELAND MART**
12 Allen Avenue, Ikeja
TIN: 12345678-0001
Receipt No: 000123
Date: 24/11/2026 13:45
--------------------------------
2 Coke 50cl              600.00
1 Bread Sliced         1,200.00
--------------------------------
SUBTOTAL               1,800.00
VAT 7.5%                 135.00
TOTAL              NGN 1,935.00
CASH                   2,000.00
CHANGE                    65.00`;

describe('generic parser', () => {
  it('reads a single-line supermarket receipt into a transaction that adds up', () => {
    const r = parse(SUPERMARKET);
    expect(r.status).toBe('ok');
    const tx = r.transaction!;
    expect(tx.receipt_number).toBe('000123');
    expect(tx.issued_at).toBe('2026-11-24T13:45:00+01:00');
    expect(tx.seller).toEqual({ name: 'GRACELAND MART', tin: '12345678-0001' });
    expect(tx.lines).toEqual([
      { description: 'Coke 50cl', quantity: '2', unit_price: '300.00', amount: '600.00', tax_category: 'standard', tax_rate: '7.5' },
      { description: 'Bread Sliced', quantity: '1', unit_price: '1200.00', amount: '1200.00', tax_category: 'standard', tax_rate: '7.5' },
    ]);
    expect(tx.totals).toEqual({ subtotal: '1800.00', tax: '135.00', total: '1935.00', tax_inclusive: false });
    expect(tx.taxes).toEqual([{ type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '1800.00', amount: '135.00' }]);
    expect(tx.payments).toEqual([{ method: 'cash', amount: '1935.00' }]);
    expect(tx.terminal_id).toBe('LANE-1');
    expect(tx.source.profile).toBe('generic@1');
    expect(tx.raw.text).toContain('TOTAL              NGN 1,935.00');
  });

  it('reads the two-line layout (description, then qty x price and amount) with litres to three places', () => {
    const r = parse(`
Receipt No: 88
Date: 01/12/2026 07:05
PMS (Petrol)
  25.500 L x 617.00   15,733.50 E
Engine Oil 1L
  2 x 4,000.00         8,000.00
SUBTOTAL              23,733.50
VAT 7.5%                 600.00
TOTAL NGN             24,333.50
TRANSFER              24,333.50`);
    expect(r.status).toBe('ok');
    expect(r.transaction!.lines.map((l) => [l.description, l.quantity, l.unit_price, l.tax_category])).toEqual([
      ['PMS (Petrol)', '25.5', '617.00', 'exempt'],
      ['Engine Oil 1L', '2', '4000.00', 'standard'],
    ]);
    expect(r.transaction!.taxes).toContainEqual({ type: 'VAT', category: 'exempt', rate: '0', taxable_amount: '15733.50', amount: '0.00' });
    expect(r.transaction!.payments[0]!.method).toBe('transfer');
  });

  it('reads the columns layout with service charge, VAT on subtotal plus service, and consumption tax', () => {
    const r = parse(`
Bill No: 4471
Date: 22-Nov-2026 20:10
ITEM              QTY     PRICE     AMOUNT
Jollof Rice         2  3,500.00   7,000.00
Chapman             3  2,000.00   6,000.00
SUBTOTAL                          13,000.00
Service Charge 10%                 1,300.00
VAT 7.5%                           1,072.50
Consumption Tax 5%                   650.00
AMOUNT DUE                        16,022.50
CARD                              16,022.50
  Card: **** **** **** 4242`);
    expect(r.status).toBe('ok');
    const tx = r.transaction!;
    expect(tx.lines.map((l) => [l.quantity, l.unit_price, l.amount])).toEqual([
      ['2', '3500.00', '7000.00'],
      ['3', '2000.00', '6000.00'],
    ]);
    expect(tx.totals).toEqual({ subtotal: '13000.00', service_charge: '1300.00', tax: '1722.50', total: '16022.50', tax_inclusive: false });
    expect(tx.taxes).toEqual([
      { type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '14300.00', amount: '1072.50' },
      { type: 'consumption_tax', category: 'standard', rate: '5', taxable_amount: '13000.00', amount: '650.00' },
    ]);
    expect(tx.payments).toEqual([{ method: 'card', amount: '16022.50', card_last4: '4242' }]);
  });

  it('reads a split payment and a discount', () => {
    const r = parse(`
Receipt: 5512
Date: 03/01/2027 10:00
1 Rice 5kg             9,000.00
SUBTOTAL               9,000.00
DISCOUNT                -500.00
VAT 7.5%                 637.50
GRAND TOTAL            9,137.50
CASH                   5,000.00
POS                    4,137.50`);
    expect(r.status).toBe('ok');
    expect(r.transaction!.totals.discount).toBe('500.00');
    expect(r.transaction!.payments.map((p) => p.method)).toEqual(['cash', 'card']);
  });

  it('takes a refund receipt as document_type refund, with positive amounts', () => {
    const r = parse(`
*** REFUND ***
Receipt No: R-000912
Date: 18/11/2026 14:40
1 Kettle                 -5,000.00
SUBTOTAL                 -5,000.00
VAT 7.5%                   -375.00
REFUND TOTAL             -5,375.00
CASH REFUND               5,375.00`);
    expect(r.status).toBe('ok');
    expect(r.transaction!.document_type).toBe('refund');
    expect(r.transaction!.totals.total).toBe('5375.00');
    expect(r.transaction!.lines[0]!.amount).toBe('5000.00');
  });

  it('does not take "no refund after payment" for a refund', () => {
    const r = parse(SUPERMARKET + '\nNO REFUND AFTER PAYMENT\nGoods sold are not returnable');
    expect(r.transaction!.document_type).toBe('sale');
  });

  it('removes a voided item line', () => {
    const r = parse(`
Receipt: 77
Date: 03/01/2027 10:00
1 Milo 500g            3,000.00
1 Peak Milk            1,000.00
VOID Peak Milk        -1,000.00
SUBTOTAL               3,000.00
VAT 7.5%                 225.00
TOTAL                  3,225.00
CASH                   3,225.00`);
    expect(r.status).toBe('ok');
    expect(r.transaction!.lines.map((l) => l.description)).toEqual(['Milo 500g']);
  });

  it('masks a full card number in every field and in raw.text, keeping the last four', () => {
    const r = parse(`
Receipt No: 9
Date: 03/01/2027 10:00
1 Gift 4111 1111 1111 1111  1,000.00
SUBTOTAL               1,000.00
VAT 7.5%                  75.00
TOTAL                  1,075.00
CARD                   1,075.00
PAN: 5399-8300-0000-0008`);
    const json = JSON.stringify(r.transaction, (k, v: unknown) => (k === 'id' || k === 'sha256' ? undefined : v));
    expect(findPans(json)).toEqual([]);
    expect(json).not.toContain('4111 1111 1111 1111');
    expect(r.transaction!.lines[0]!.description).toBe('Gift **** 1111');
    expect(r.transaction!.raw.text).toContain('PAN: **** 0008');
    expect(r.transaction!.payments[0]!.card_last4).toBe('1111');
  });

  it('reads dates in the usual Nigerian formats, day first', () => {
    const at = (date: string): string | undefined => parse(SUPERMARKET.replace('Date: 24/11/2026 13:45', date)).transaction?.issued_at;
    expect(at('Date: 05/11/2026 09:15')).toBe('2026-11-05T09:15:00+01:00');
    expect(at('Date: 05-11-26 9:15 PM')).toBe('2026-11-05T21:15:00+01:00');
    expect(at('05.11.2026 09:15:42')).toBe('2026-11-05T09:15:42+01:00');
    expect(at('2026-11-05 09:15')).toBe('2026-11-05T09:15:00+01:00');
    expect(at('5 Nov 2026 09:15')).toBe('2026-11-05T09:15:00+01:00');
    expect(at('Date: 11/25/2026 09:15')).toBe('2026-11-25T09:15:00+01:00');
  });

  it('holds a receipt whose VAT is not its rate of any amount for review, saying why', () => {
    const r = parse(SUPERMARKET.replace('VAT 7.5%                 135.00', 'VAT 7.5%                 180.00').replace('1,935.00', '1,980.00').replace('CHANGE                    65.00', 'CHANGE                    20.00'));
    expect(r.status).toBe('review');
    expect(codes(r)).toContain('tax_base_unknown');
    expect(r.transaction).not.toBeNull();
  });

  it('holds a receipt whose total does not add up for review', () => {
    const r = parse(SUPERMARKET.replace('NGN 1,935.00', 'NGN 1,953.00'));
    expect(r.status).toBe('review');
    expect(r.problems.find((p) => p.code === 'total_mismatch')?.message).toMatch(/is NGN 1,935\.00, but the receipt's total is NGN 1,953\.00/);
  });

  it('holds a misread item (lines do not sum to the subtotal) for review', () => {
    const r = parse(SUPERMARKET.replace('SUBTOTAL               1,800.00', 'SUBTOTAL               1,900.00').replace('VAT 7.5%                 135.00', 'VAT 7.5%                 142.50').replace('1,935.00', '2,042.50').replace('2,000.00', '2,100.00').replace('65.00', '57.50'));
    expect(r.status).toBe('review');
    expect(codes(r)).toContain('lines_subtotal_mismatch');
  });

  it('reads a VAT-inclusive receipt: tax_inclusive, the VAT inside the total, its taxable amount net of it', () => {
    const r = parse(`
Receipt no: 22871
24/11/2026 19:22
Bread                            1,075.00
TOTAL                            1,075.00
VAT 7.5% (incl.)                    75.00
CARD                             1,075.00`);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('ok');
    expect(r.transaction!.totals).toEqual({ subtotal: '1075.00', tax: '75.00', total: '1075.00', tax_inclusive: true });
    expect(r.transaction!.taxes).toEqual([{ type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '1000.00', amount: '75.00' }]);
  });

  it('holds a VAT-inclusive receipt whose VAT is not the share its rate puts inside the total, saying why', () => {
    const r = parse(`
Receipt no: 22872
24/11/2026 19:22
Bread                            1,075.00
TOTAL                            1,075.00
VAT 7.5% (incl.)                    80.63
CARD                             1,075.00`);
    expect(r.status).toBe('review');
    expect(r.problems.find((p) => p.code === 'tax_base_unknown')?.message).toMatch(/contained in VAT-inclusive prices/);
  });

  it('takes a total equal to the items with the VAT inside as inclusive, even unsaid, only when that VAT fits', () => {
    const text = (vat: string): string => `
Receipt no: 22873
24/11/2026 19:22
Bread                            2,150.00
TOTAL                            2,150.00
VAT 7.5%                          ${vat}
CASH                             2,150.00`;
    expect(parse(text('150.00')).transaction!.totals.tax_inclusive).toBe(true);
    expect(parse(text('150.00')).status).toBe('ok');
    expect(parse(text('161.25')).status).toBe('review');
  });

  it('holds a receipt without a receipt number or date for review, with placeholders', () => {
    const r = parse(SUPERMARKET.replace('Receipt No: 000123\n', '').replace('Date: 24/11/2026 13:45\n', ''));
    expect(r.status).toBe('review');
    expect(codes(r)).toEqual(expect.arrayContaining(['missing_receipt_number', 'missing_date']));
    expect(r.transaction!.receipt_number).toMatch(/^unknown-/);
  });

  it('holds a receipt without VAT for review unless the profile says VAT is not charged', () => {
    const r = parse(SUPERMARKET.replace('VAT 7.5%                 135.00\n', '').replace('1,935.00', '1,800.00').replace('65.00', '200.00'));
    expect(r.status).toBe('review');
    expect(codes(r)).toEqual(['missing_vat']);
  });

  it('holds a payment without a method for review', () => {
    const r = parse(SUPERMARKET.replace('CASH                   2,000.00\nCHANGE                    65.00', 'PAID                   1,935.00'));
    expect(codes(r)).toEqual(['payment_method_unknown']);
  });

  it('takes the method from a "Payment Method:" line', () => {
    const r = parse(SUPERMARKET.replace('CASH                   2,000.00\nCHANGE                    65.00', 'Payment Method: Bank Transfer'));
    expect(r.status).toBe('ok');
    expect(r.transaction!.payments).toEqual([{ method: 'transfer', amount: '1935.00' }]);
  });

  it('says unparsed, and why, for an empty job, a day-end report and text without amounts', () => {
    expect(parseReceipt(receiptOf(['', '   ']), contextFor(receiptOf(['x']))).problems[0]!.code).toBe('empty');
    const z = parse('GRACELAND MART\nZ REPORT  #0231\nNet Sales   1,232,500.00');
    expect([z.status, codes(z)]).toEqual(['unparsed', ['not_a_receipt']]);
    const hello = parse('Hello world\nPrinter ready');
    expect([hello.status, codes(hello)]).toEqual(['unparsed', ['no_amounts']]);
    expect(hello.transaction).toBeNull();
  });

  it('keeps the transaction id from the context (the idempotency key)', () => {
    const receipt = receiptOf(SUPERMARKET);
    const ctx = contextFor(receipt);
    expect(parseReceipt(receipt, ctx).transaction!.id).toBe(ctx.id);
  });

  it('reads buyer details only when the profile asks', () => {
    const b2b = SUPERMARKET.replace('Receipt No: 000123', 'Receipt No: 000123\nCustomer: Acme Ltd\nCustomer TIN: 98765432-0001');
    expect(parse(b2b).transaction!.buyer).toBeUndefined();
    expect(parse(b2b).transaction!.seller?.tin).toBe('12345678-0001');
  });
});
