// Raw spans under any chunking: the journal stores `raw`, so it must be the exact bytes whatever the serial reads looked like.
import { describe, expect, it } from 'vitest';
import { EscposStream, decode, type DecodedReceipt } from '../../main/escpos/index.js';
import { corpusFiles } from './corpus-files.js';

function streamed(bytes: Uint8Array, chunk: (i: number) => number): DecodedReceipt[] {
  const stream = new EscposStream();
  const out: DecodedReceipt[] = [];
  for (let i = 0, n = 0; i < bytes.length; n++) {
    const size = Math.max(1, chunk(n));
    out.push(...stream.push(bytes.subarray(i, i + size), 0).receipts);
    i += size;
  }
  out.push(...stream.end());
  return out;
}

const hex = (r: DecodedReceipt) => Buffer.from(r.raw).toString('hex');

describe('raw spans', () => {
  it('a command split across chunks stays in the receipt it starts (ESC of ESC @ in one read, @ in the next)', () => {
    const bytes = Buffer.from('\x1b@hello\n\x1b@world\n\x1dV\x00');
    const whole = decode(bytes).map(hex);
    expect(streamed(bytes, () => 1).map(hex)).toEqual(whole);
    expect(Buffer.from(streamed(bytes, () => 1)[1]!.raw).toString('latin1')).toBe('\x1b@world\n\x1dV\x00');
  });

  for (const file of corpusFiles()) {
    it(`${file.name}: byte-by-byte and odd-sized reads give the same raw bytes as one read`, () => {
      const whole = decode(file.bytes).map(hex);
      expect(streamed(file.bytes, () => 1).map(hex)).toEqual(whole);
      expect(streamed(file.bytes, (n) => [3, 7, 64, 1, 250][n % 5]!).map(hex)).toEqual(whole);
    });
  }
});
