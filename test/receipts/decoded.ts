// Builds DecodedReceipt objects from plain text lines, and the ParseContext the tests use.
import { createHash } from 'node:crypto';
import type { DecodedReceipt, LineStyle } from '../../main/escpos/types.js';
import { loadProfile, transactionId, type ParseContext } from '../../main/receipts/index.js';

const plain: LineStyle = { bold: false, underline: false, doubleWidth: false, doubleHeight: false, reverse: false, align: 'left' };

/** A receipt as the decoder would give it: `**NAME**` marks a bold line. */
export function receiptOf(text: string | string[]): DecodedReceipt {
  const lines = (Array.isArray(text) ? text : text.replace(/^\n/, '').split('\n')).map((t) => {
    const bold = /^\*\*.*\*\*$/.test(t.trim());
    return { text: bold ? t.trim().slice(2, -2) : t, style: { ...plain, bold } };
  });
  const raw = new TextEncoder().encode(lines.map((l) => l.text).join('\n'));
  return { lines, qr: [], pdf417: [], barcodes: [], images: 0, end: 'cut', warnings: [], raw };
}

export function contextFor(receipt: DecodedReceipt, profile = 'generic@1', deviceId = 'till-1'): ParseContext {
  return {
    id: transactionId(deviceId, receipt.raw),
    deviceId,
    integration: 'escpos_tcp',
    terminalId: 'LANE-1',
    capturedAt: '2026-11-24T12:00:00.000Z',
    profile: loadProfile(profile),
    rawSha256: createHash('sha256').update(receipt.raw).digest('hex'),
    rawBytes: receipt.raw.byteLength,
  };
}
