// Receipts the e2e tests print: good ones from the sandbox's virtual POS, and one whose service charge is printed as "Tip" so generic@1 finds it does not add up.
import { printReceipt, randomReceiptSpec, type ReceiptSpec } from '../../sandbox/receipt-printer.js';

export function goodReceipt(rng: () => number): { spec: ReceiptSpec; bytes: Uint8Array } {
  let spec = randomReceiptSpec(rng);
  // The refund layout and card payments printed in full are tested elsewhere; keep the counter's everyday sale.
  while (spec.documentType !== 'sale') spec = randomReceiptSpec(rng);
  return { spec, bytes: printReceipt(spec) };
}

/** A restaurant bill whose service charge line reads "Svc Fee", a label generic@1 does not know: the totals do not add up under it. */
export function svcFeeReceipt(rng: () => number): { spec: ReceiptSpec; bytes: Uint8Array } {
  let spec = randomReceiptSpec(rng);
  while (!(spec.serviceCharge && spec.vat && spec.documentType === 'sale')) spec = randomReceiptSpec(rng);
  const text = Buffer.from(printReceipt(spec)).toString('latin1').replace(/Service Charge/g, 'Svc Fee       ');
  return { spec, bytes: Buffer.from(text, 'latin1') };
}

/** The fix a support engineer would write: generic@1 plus "Svc Fee" read as a service charge (arrays replace the base's, so its own label is kept too). */
export const SVC_FEE_PROFILE = JSON.stringify({ name: 'shop', version: 1, extends: 'generic@1', description: 'generic@1, with the "Svc Fee" line read as a service charge', labels: { service_charge: ['^svc\\s*fee\\b', '^service\\s*charge\\b'] } }, null, 2);
