// The answers a healthy printer gives to real-time status requests (Epson ESC/POS DLE EOT, GS r, GS I): "online, paper present".
import type { StatusQuery } from '../escpos/types.js';

/** Model name reported for GS I 67 when the bridge answers in the printer's place. */
const MODEL = 'TaxPoynt Bridge';

/**
 * The bytes an online printer with paper, cover closed and no error returns for a query.
 * DLE EOT n (n = 1..4): fixed bits 1 and 4 set, every fault bit clear → 0x12.
 * GS r n (1/49 paper sensor, 2/50 drawer): 0x00 = paper adequate, drawer pin low.
 * GS I n: 1/49 model id, 2/50 type id (bit 1: autocutter fitted), 3/51 firmware version; 65..69 → "_" text NUL.
 * DLE ENQ and DLE DC4 get no answer from a real printer, so none from us.
 */
export function statusAnswer(query: StatusQuery): Uint8Array | null {
  switch (query.command) {
    case 'DLE EOT':
      return Uint8Array.of(0x12);
    case 'GS r':
      return Uint8Array.of(0x00);
    case 'GS I':
      return gsIAnswer(query.n);
    default:
      return null;
  }
}

function gsIAnswer(n: number): Uint8Array {
  switch (n) {
    case 1:
    case 49:
      return Uint8Array.of(0x20);
    case 2:
    case 50:
      return Uint8Array.of(0x02);
    case 3:
    case 51:
      return Uint8Array.of(0x40);
    case 65:
      return text('1.00');
    case 66:
      return text('TaxPoynt');
    case 67:
      return text(MODEL);
    case 68:
      return text('0');
    default:
      return text('');
  }
}

function text(value: string): Uint8Array {
  return Uint8Array.from([0x5f, ...Buffer.from(value, 'latin1'), 0x00]);
}

/** Whether the real printer answers the query with a single byte (so a late answer can be matched and dropped). */
export function answerIsOneByte(query: StatusQuery): boolean {
  if (query.command === 'DLE EOT' || query.command === 'GS r') return true;
  return query.command === 'GS I' && [1, 2, 3, 49, 50, 51].includes(query.n);
}
