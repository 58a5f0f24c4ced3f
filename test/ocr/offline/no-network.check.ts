// Runs with no network at all (unshare -n): the OCR engine starts and reads a receipt from what ships with the bridge.
import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { OcrPool } from '../../../main/ocr/index.js';
import { randomReceiptSpec } from '../../../sandbox/receipt-printer.js';
import { mulberry32 } from '../../../sandbox/seeded-random.js';
import { renderReceipt } from '../../support/render-receipt.js';

it('this process has no network', async () => {
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const socket = connect({ host: '93.184.215.14', port: 80 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', resolve);
  });
  expect(error?.code).toMatch(/ENETUNREACH|EHOSTUNREACH|ECONNREFUSED/);
});

it('the OCR engine starts and reads a receipt printed as a picture', async () => {
  const pool = new OcrPool();
  try {
    const spec = { ...randomReceiptSpec(mulberry32(16)), width: 48 as const };
    const text = await pool.recognize(renderReceipt(spec, 576, 'mono'));
    expect(text.lines.map((l) => l.text).join('\n')).toMatch(/TOTAL|AMOUNT DUE/);
  } finally {
    await pool.close();
  }
});
