// Does a transaction add up? Integer-kobo checks of lines, taxes, total and payments (issue 5 §3), with merchant-readable problems.
import type { Problem } from '../store/types.js';
import { arithmeticIssues, showMoney, type Transaction } from './transaction.js';

export { showMoney };
import { applyRate, extend, koboFromMoney, milliFromQuantity, quantityDecimals, rateMilliFromText, type Kobo } from './money.js';
import { consistent } from './lines.js';

const k = (money: string | undefined): Kobo => (money === undefined ? 0 : (koboFromMoney(money) ?? 0));

/**
 * Every way the transaction fails to add up: lines sum to the subtotal, each tax is its rate of its
 * taxable amount (within a kobo per line), the totals add up as cloud-api.md §3 says (exclusive or inclusive form),
 * a rounding line is under a naira (or the profile's limit),
 * and the payments cover the total. An empty list means it adds up.
 */
export interface ValidateOptions {
  /** The largest rounding line accepted, in kobo (under one naira unless the profile allows more). */
  maxRounding?: Kobo;
}

export function validateTransaction(tx: Transaction, options: ValidateOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const cur = tx.currency;
  tx.lines.forEach((line, i) => {
    const qty = milliFromQuantity(line.quantity);
    const price = k(line.unit_price);
    const amount = k(line.amount);
    if (qty !== null && !consistent(qty, quantityDecimals(line.quantity), price, amount)) {
      problems.push({
        code: 'line_arithmetic',
        field: `lines[${i}].amount`,
        message: `"${line.description}": ${line.quantity} × ${showMoney(price, cur)} is ${showMoney(extend(qty, price), cur)}, but the receipt says ${showMoney(amount, cur)}.`,
      });
    }
    if (line.tax_category !== 'standard' && rateMilliFromText(line.tax_rate) !== 0) {
      problems.push({ code: 'line_tax_rate', field: `lines[${i}].tax_rate`, message: `"${line.description}" is ${line.tax_category === 'zero' ? 'zero-rated' : 'VAT-exempt'} but carries a ${line.tax_rate} % rate.` });
    }
  });

  const subtotal = k(tx.totals.subtotal);
  const linesSum = tx.lines.reduce((s, l) => s + k(l.amount), 0);
  if (linesSum !== subtotal) {
    problems.push({
      code: 'lines_subtotal_mismatch',
      field: 'totals.subtotal',
      message: `The items add up to ${showMoney(linesSum, cur)}, but the subtotal is ${showMoney(subtotal, cur)}: an item line may have been misread.`,
    });
  }

  const standardLines = Math.max(1, tx.lines.filter((l) => l.tax_category === 'standard').length);
  tx.taxes.forEach((tax, i) => {
    const amount = k(tax.amount);
    const rate = rateMilliFromText(tax.rate);
    const base = k(tax.taxable_amount);
    if (rate === null) return;
    const expected = applyRate(base, rate);
    const lines = tax.category === 'standard' ? standardLines : 1;
    if (Math.abs(expected - amount) > lines) {
      problems.push({
        code: 'tax_rate_mismatch',
        field: `taxes[${i}].amount`,
        message: `${tax.type} of ${showMoney(amount, cur)} is not ${tax.rate} % of ${showMoney(base, cur)} (that would be ${showMoney(expected, cur)}).`,
      });
    }
  });
  const total = k(tx.totals.total);
  const rounding = k(tx.totals.rounding);
  const maxRounding = options.maxRounding ?? 99;
  if (Math.abs(rounding) > maxRounding) {
    problems.push({
      code: 'rounding_too_large',
      field: 'totals.rounding',
      message: `The receipt rounds its total by ${showMoney(rounding, cur)}, more than the ${showMoney(maxRounding, cur)} a rounding to the naira can be: check the total by hand.`,
    });
  }
  for (const issue of arithmeticIssues(tx)) {
    // A total equal to the figures without the tax: prices that include VAT, not said on the receipt.
    const inclusive = issue.code === 'total_mismatch' && !tx.totals.tax_inclusive && issue.expected - k(tx.totals.tax) === total && k(tx.totals.tax) > 0;
    problems.push(
      inclusive
        ? { code: 'vat_inclusive', field: issue.field, message: `The total ${showMoney(total, cur)} already includes the tax of ${showMoney(k(tx.totals.tax), cur)}, but the VAT does not match an inclusive price either: check it by hand.` }
        : { code: issue.code, field: issue.field, message: issue.message },
    );
  }

  const paid = tx.payments.reduce((s, p) => s + k(p.amount), 0);
  if (tx.payments.length === 0) {
    problems.push({ code: 'missing_payment', field: 'payments', message: 'No payment (cash, card, transfer) was found on the receipt.' });
  } else if (paid < total) {
    problems.push({ code: 'payments_short', field: 'payments', message: `The payments add up to ${showMoney(paid, cur)}, less than the total ${showMoney(total, cur)}.` });
  } else if (paid > total && (tx.payments.length > 1 || tx.payments[0]!.method !== 'cash')) {
    // Only cash can be overpaid (the change); a split or a card payment settles the total exactly.
    problems.push({ code: 'payments_over', field: 'payments', message: `The payments add up to ${showMoney(paid, cur)}, more than the total ${showMoney(total, cur)}.` });
  }
  return problems;
}
