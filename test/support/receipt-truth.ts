// The truth a printed receipt was made from, against the transaction read back: every field that differs.
import { findPans, formatKobo, type ParseResult } from '../../main/receipts/index.js';
import type { ReceiptSpec } from '../../sandbox/receipt-printer.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * Every difference between the transaction read back and the spec it was printed from. `descriptionEdits`:
 * item descriptions may differ from the printed text by that many characters (OCR spells a word of
 * an item name wrong now and then; every figure, number and date must still be exact).
 */
export function differences(spec: ReceiptSpec, result: ParseResult, options: { descriptionEdits?: number } = {}): string[] {
  const tx = result.transaction;
  if (result.status !== 'ok' || !tx) return [`status ${result.status}: ${result.problems.map((p) => p.message).join(' | ')}`];
  const out: string[] = [];
  const eq = (what: string, got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  const { y, m, d, h, min } = spec.issuedAt;
  eq('receipt_number', tx.receipt_number, spec.receiptNumber);
  eq('issued_at', tx.issued_at, `${y}-${pad(m)}-${pad(d)}T${pad(h)}:${pad(min)}:00+01:00`);
  eq('document_type', tx.document_type, spec.documentType);
  eq('totals', tx.totals, {
    subtotal: formatKobo(spec.subtotal),
    ...(spec.discount ? { discount: formatKobo(spec.discount) } : {}),
    ...(spec.serviceCharge ? { service_charge: formatKobo(spec.serviceCharge.amount) } : {}),
    tax: formatKobo((spec.vat?.amount ?? 0) + (spec.consumptionTax?.amount ?? 0)),
    ...(spec.tip ? { tip: formatKobo(spec.tip) } : {}),
    ...(spec.rounding ? { rounding: formatKobo(spec.rounding) } : {}),
    total: formatKobo(spec.total),
    tax_inclusive: spec.taxInclusive ?? false,
  });
  eq(
    'lines',
    tx.lines.map((l) => [l.quantity, l.unit_price, l.amount, l.tax_category]),
    spec.lines.map((l) => [String(Number(l.quantity)), formatKobo(l.unitPrice), formatKobo(l.amount), l.category]),
  );
  tx.lines.forEach((l, i) => {
    const want = spec.lines[i]?.description ?? '';
    const printed = want.slice(0, l.description.length);
    const close = options.descriptionEdits ? editDistance(l.description.toLowerCase(), printed.toLowerCase()) <= options.descriptionEdits : printed === l.description;
    if (l.description.length < 4 || !close) out.push(`lines[${i}].description: got "${l.description}", want "${want}"`);
  });
  const standardTaxes = tx.taxes.filter((t) => t.category === 'standard').map((t) => [t.type, t.rate, t.taxable_amount, t.amount]);
  const wantTaxes = [
    ...(spec.vat ? [['VAT', String(spec.vat.rate / 1000), formatKobo(spec.vat.taxable), formatKobo(spec.vat.amount)]] : []),
    ...(spec.consumptionTax ? [['consumption_tax', String(spec.consumptionTax.rate / 1000), formatKobo(spec.consumptionTax.taxable), formatKobo(spec.consumptionTax.amount)]] : []),
  ];
  eq('taxes', standardTaxes, wantTaxes);
  eq(
    'payments',
    tx.payments,
    spec.payments.map((p) => ({ method: p.method, amount: formatKobo(p.amount), ...(p.pan ? { card_last4: p.pan.slice(-4) } : {}) })),
  );
  const scan = JSON.stringify(result, (k, v: unknown) => (k === 'id' || k === 'sha256' ? undefined : v));
  if (findPans(scan).length) out.push('a full card number survived');
  return out;
}


/** Levenshtein distance: characters inserted, deleted or changed to turn a into b. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
