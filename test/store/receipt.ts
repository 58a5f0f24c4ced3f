// ESC/POS print jobs for the store's pipeline tests: a Nigerian receipt as a till prints it (ESC @, text, GS V cut).
export function receiptLines(opts: { number?: string; item?: string; marker?: string } = {}): string[] {
  return [
    'MAMA PUT KITCHEN LTD',
    'TIN: 12345678-0001',
    `Receipt No: ${opts.number ?? '000123'}`,
    'Date: 26/11/2026 14:05',
    '--------------------------------',
    `1 ${(opts.item ?? 'Jollof Rice').padEnd(20)}2,000.00`,
    `2 ${'Chicken'.padEnd(20)}3,000.00`,
    '--------------------------------',
    'SUBTOTAL              5,000.00',
    'VAT 7.5%                375.00',
    'TOTAL                 5,375.00',
    'CASH                  6,000.00',
    'CHANGE                  625.00',
    ...(opts.marker ? [opts.marker] : []),
    'Thank you',
  ];
}

export function printJob(lines: string[]): Buffer {
  return Buffer.concat([Buffer.from([0x1b, 0x40]), Buffer.from(lines.map((l) => l + '\n').join(''), 'latin1'), Buffer.from([0x1d, 0x56, 0x00])]);
}

export function receiptJob(opts: { number?: string; item?: string; marker?: string } = {}): Buffer {
  return printJob(receiptLines(opts));
}

/** One print job holding three receipts (7001, 7002, 7003) and a trailing cut that prints nothing, as a till spools a batch. */
export function threeReceiptJob(): { job: Buffer; receipts: Buffer[] } {
  const receipts = [receiptJob({ number: '7001' }), receiptJob({ number: '7002', item: 'Egusi Soup' }), receiptJob({ number: '7003' })];
  return { job: Buffer.concat([...receipts, Buffer.from([0x1d, 0x56, 0x00])]), receipts };
}
