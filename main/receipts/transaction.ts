// The Transaction of cloud-api.md §3: the zod schema every stage after the parser, the cloud client and the sandbox share.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { koboFromMoney, type Kobo } from './money.js';

/** Naira with two decimal places, as a string ("1234.50"): never a float. */
export const Money = z.string().regex(/^\d+\.\d{2}$/, 'money is a decimal string with two places, e.g. "1234.50"');
/** Signed money ("-0.37"): only a rounding line may be negative. */
export const SignedMoney = z.string().regex(/^-?\d+\.\d{2}$/, 'a signed decimal string with two places, e.g. "-0.37"');
/** Quantity with up to three decimal places ("2", "1.250"). */
export const Quantity = z.string().regex(/^\d+(\.\d{1,3})?$/, 'quantity is a decimal string with up to three places');
export const Rate = z.string().regex(/^\d+(\.\d+)?$/, 'rate is a decimal string, e.g. "7.5"');

export const Integration = z.enum(['escpos_serial', 'escpos_tcp', 'ecr_serial', 'hid']);
export type Integration = z.infer<typeof Integration>;

export const TaxCategory = z.enum(['standard', 'zero', 'exempt']);
export const PaymentMethod = z.enum(['cash', 'card', 'transfer', 'mobile_money', 'other']);

export const TransactionSchema = z.object({
  id: z.string().min(16),
  source: z.object({
    device_id: z.string().min(1),
    integration: Integration,
    profile: z.string().min(1),
    captured_at: z.string().min(1),
    /** The network address a virtual-printer lane printed from (§3). */
    address: z.string().min(1).optional(),
    /** Present when the text was read from a printed picture (§3). */
    ocr: z.object({ engine: z.string().min(1), mean_confidence: z.string().regex(/^(?:0(?:\.\d+)?|1(?:\.0+)?)$/, 'a confidence between 0 and 1, e.g. "0.93"') }).optional(),
  }),
  receipt_number: z.string().min(1),
  terminal_id: z.string().min(1),
  issued_at: z.string().min(1),
  document_type: z.enum(['sale', 'refund']),
  currency: z.string().length(3),
  seller: z.object({ name: z.string(), tin: z.string().optional() }).optional(),
  buyer: z.object({ name: z.string().optional(), tin: z.string().optional() }).optional(),
  lines: z.array(z.object({
    description: z.string(),
    quantity: Quantity,
    unit_price: Money,
    amount: Money,
    tax_category: TaxCategory,
    tax_rate: Rate,
  })).min(1),
  totals: z.object({
    subtotal: Money,
    discount: Money.optional(),
    service_charge: Money.optional(),
    tax: Money,
    tip: Money.optional(),
    rounding: SignedMoney.optional(),
    total: Money,
    /** Prices shown with VAT in them: lines and subtotal include it, and `tax` is the VAT the total contains. */
    tax_inclusive: z.boolean().optional(),
  }),
  taxes: z.array(z.object({
    type: z.string().min(1),
    category: TaxCategory,
    rate: Rate,
    taxable_amount: Money,
    amount: Money,
  })),
  payments: z.array(z.object({
    method: PaymentMethod,
    amount: Money,
    card_last4: z.string().regex(/^\d{4}$/).optional(),
  })),
  raw: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
    text: z.array(z.string()).optional(),
  }),
});
export type Transaction = z.infer<typeof TransactionSchema>;

/**
 * The transaction id: deterministic from the device id and the raw receipt bytes, so the same job
 * captured twice is one transaction and one invoice at the cloud (ARCHITECTURE rule 2).
 */
export function transactionId(deviceId: string, raw: Uint8Array): string {
  const hash = createHash('sha256');
  hash.update(deviceId, 'utf8');
  hash.update(Buffer.from([0]));
  hash.update(raw);
  return 'tx_' + hash.digest('hex').slice(0, 40);
}

/** One way a transaction's totals fail cloud-api.md §3's arithmetic (the parser's review and the cloud's rejection say the same). */
export interface ArithmeticIssue {
  code: 'tax_sum_mismatch' | 'total_mismatch';
  field: string;
  message: string;
  /** What the other figures make the printed field. */
  expected: Kobo;
}

const kobo = (money: string | undefined): Kobo => (money === undefined ? 0 : (koboFromMoney(money) ?? 0));
/** "NGN 1,935.00", as a merchant reads money. */
export function showMoney(k: Kobo, currency = 'NGN'): string {
  return `${k < 0 ? '-' : ''}${currency} ${Math.floor(Math.abs(k) / 100).toLocaleString('en-US')}.${String(Math.abs(k) % 100).padStart(2, '0')}`;
}

/**
 * cloud-api.md §3: `tax` is the sum of `taxes[].amount`; exclusive, subtotal − discount + service charge + tax + tip +
 * rounding = total; inclusive (the tax is inside the prices), the same without adding the tax.
 */
export function arithmeticIssues(tx: Pick<Transaction, 'totals' | 'taxes' | 'currency'>): ArithmeticIssue[] {
  const t = tx.totals;
  const naira = (k: Kobo): string => showMoney(k, tx.currency);
  const out: ArithmeticIssue[] = [];
  const taxSum = tx.taxes.reduce((s, x) => s + kobo(x.amount), 0);
  const tax = kobo(t.tax);
  if (taxSum !== tax) {
    out.push({ code: 'tax_sum_mismatch', field: 'totals.tax', expected: taxSum, message: `The taxes listed add up to ${naira(taxSum)}, but the tax total is ${naira(tax)}.` });
  }
  const terms: Array<[string, Kobo]> = [
    ['subtotal', kobo(t.subtotal)],
    ['− discount', -kobo(t.discount)],
    ['+ service charge', kobo(t.service_charge)],
    ...(t.tax_inclusive ? [] : ([['+ tax', tax]] as Array<[string, Kobo]>)),
    ['+ tip', kobo(t.tip)],
    ['+ rounding', kobo(t.rounding)],
  ];
  const computed = terms.reduce((s, [, v]) => s + v, 0);
  const total = kobo(t.total);
  if (computed !== total) {
    const said = terms.filter(([name, v], i) => i === 0 || v !== 0 || name === '+ tax').map(([name, v], i) => (i === 0 ? naira(v) : `${name} ${naira(Math.abs(v))}`));
    out.push({
      code: 'total_mismatch',
      field: 'totals.total',
      expected: computed,
      message: `${t.tax_inclusive ? '(prices include VAT) ' : ''}Subtotal ${said.join(' ')} is ${naira(computed)}, but the receipt's total is ${naira(total)}.`,
    });
  }
  return out;
}
