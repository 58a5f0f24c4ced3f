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
