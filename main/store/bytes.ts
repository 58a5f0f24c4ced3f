// Journaled bytes at rest: deflated when that makes them smaller (raster receipts shrink ~100×), stored as printed otherwise.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** How a journal row's `bytes` column holds the job: as printed, or raw DEFLATE (RFC 1951). */
export const STORED = 0;
export const DEFLATE = 1;

export interface PackedBytes {
  stored: Buffer;
  encoding: typeof STORED | typeof DEFLATE;
}

/** Jobs shorter than this are kept as they are: deflate's saving would not pay for its time. */
const MIN_DEFLATE = 128;
/**
 * Fast deflate with a 2 KiB window: receipts repeat within a few lines (text) or rows (raster), and the
 * small state makes each call ~2× cheaper than the defaults for the same size (inflate reads any window).
 */
const DEFLATE_OPTIONS = { level: 1, windowBits: 11, memLevel: 4 } as const;

export function packBytes(bytes: Uint8Array): PackedBytes {
  const plain = toBuffer(bytes);
  if (plain.length >= MIN_DEFLATE) {
    const deflated = deflateRawSync(plain, DEFLATE_OPTIONS);
    if (deflated.length < plain.length) return { stored: deflated, encoding: DEFLATE };
  }
  return { stored: plain, encoding: STORED };
}

/** The bytes as printed. A row whose encoding this code does not know is an error, never a guess. */
export function unpackBytes(stored: Buffer, encoding: number): Buffer {
  if (encoding === STORED) return stored;
  if (encoding === DEFLATE) return inflateRawSync(stored);
  throw new Error(`journal bytes stored with unknown encoding ${encoding}: this database was written by a newer bridge`);
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
