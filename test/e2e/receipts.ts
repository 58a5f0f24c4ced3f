// Receipts the e2e tests print: good ones from the sandbox's virtual POS, and one whose service charge is printed as "Tip" so generic@1 finds it does not add up.
import { printReceipt, randomReceiptSpec, type ReceiptSpec } from '../../sandbox/receipt-printer.js';

export function goodReceipt(rng: () => number): { spec: ReceiptSpec; bytes: Uint8Array } {
  let spec = randomReceiptSpec(rng);
  // The refund layout and card payments printed in full are tested elsewhere; keep the counter's everyday sale.
  while (spec.documentType !== 'sale') spec = randomReceiptSpec(rng);
  return { spec, bytes: printReceipt(spec) };
}

/** A restaurant bill whose "Service Charge" line reads "Tip": the totals do not add up under generic@1. */
export function tipReceipt(rng: () => number): { spec: ReceiptSpec; bytes: Uint8Array } {
  let spec = randomReceiptSpec(rng);
  while (!(spec.serviceCharge && spec.vat && spec.documentType === 'sale')) spec = randomReceiptSpec(rng);
  const text = Buffer.from(printReceipt(spec)).toString('latin1').replace(/Service Charge/g, 'Tip           ');
  return { spec, bytes: Buffer.from(text, 'latin1') };
}

/** The fix a support engineer would write: generic@1 plus "Tip" read as a service charge. */
export const TIP_PROFILE = JSON.stringify({ name: 'shop', version: 1, extends: 'generic@1', description: 'generic@1, with the tip line read as a service charge', labels: { service_charge: ['^tip\\b'] } }, null, 2);
