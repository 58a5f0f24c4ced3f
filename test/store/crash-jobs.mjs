// The numbered print jobs the crash test ingests (shared by the child and the checks).
export function crashJob(n) {
  const lines = [
    'MAMA PUT KITCHEN LTD',
    `Receipt No: C${n}`,
    'Date: 26/11/2026 14:05',
    `1 Jollof Rice          ${(1000 + n).toLocaleString('en-US')}.00`,
    `TOTAL                 ${(1000 + n).toLocaleString('en-US')}.00`,
    `CASH                  ${(1000 + n).toLocaleString('en-US')}.00`,
    // Padding to a typical job size (about 1 KB), as a till prints its footer.
    ...Array.from({ length: 14 }, (_, i) => `Thank you for dining with us ${i} / ${n}`.padEnd(48, ' ')),
  ];
  return Buffer.concat([Buffer.from([0x1b, 0x40]), Buffer.from(lines.map((l) => l + '\n').join(''), 'latin1'), Buffer.from([0x1d, 0x56, 0x00])]);
}
