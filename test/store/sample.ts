// A valid Transaction for store tests (the parser makes real ones; the store only keeps and forwards them).
import type { Transaction } from '../../main/receipts/transaction.js';
import type { ParsedJob } from '../../main/store/index.js';

export function transaction(id: string, deviceId = 'till-1', marker = 'Jollof rice'): Transaction {
  return {
    id,
    source: { device_id: deviceId, integration: 'escpos_serial', profile: 'generic@1', captured_at: '2026-11-26T05:00:00.000Z' },
    receipt_number: 'R-1001',
    terminal_id: deviceId,
    issued_at: '2026-11-26T05:00:00+01:00',
    document_type: 'sale',
    currency: 'NGN',
    lines: [{ description: marker, quantity: '1', unit_price: '2000.00', amount: '2000.00', tax_category: 'standard', tax_rate: '7.5' }],
    totals: { subtotal: '2000.00', tax: '150.00', total: '2150.00' },
    taxes: [{ type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '2000.00', amount: '150.00' }],
    payments: [{ method: 'cash', amount: '2150.00' }],
    raw: { sha256: 'a'.repeat(64), bytes: 1200 },
  };
}

export function parsed(id: string, state: ParsedJob['state'] = 'pending', marker?: string): ParsedJob {
  if (state === 'unparsed') return { id, state, transaction: null, problems: [{ code: 'no_total', field: 'totals.total', message: 'no total line was found' }] };
  return {
    id,
    state,
    transaction: transaction(id, 'till-1', marker),
    problems: state === 'review' ? [{ code: 'vat_mismatch', field: 'totals.tax', message: 'VAT does not match 7.5 % of the taxable amount' }] : [],
  };
}
