// Fuzzing the decoder with random and mutated corpus bytes (about 10 s; TAXPOYNT_FUZZ_SECONDS=N for longer).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, EscposStream, type DecodedReceipt } from '../../main/escpos/index.js';
import { printedAs, randomBitmap, rasterJob, toEscStar, toGsL, toGsV0, type Dialect } from '../support/raster-escpos.js';
import { corpusFiles } from './corpus-files.js';

const SECONDS = Number(process.env.TAXPOYNT_FUZZ_SECONDS ?? '10');
const BUDGET_MS = Math.max(1, SECONDS) * 1000;
const corpus = corpusFiles().map((f) => f.bytes);

// Bytes a decoder finds interesting: command prefixes, common command letters, lengths, NUL, LF, high bytes.
const interesting = [0x1b, 0x1d, 0x1c, 0x10, 0x0a, 0x0d, 0x00, 0x28, 0x6b, 0x4c, 0x38, 0x56, 0x40, 0x74, 0x26, 0x2e, 0x2a, 0x76, 0x30, 0x04, 0xff, 0x80, 0xa1];
const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...interesting));
const randomJob = fc.array(byte, { maxLength: 2048 }).map((a) => Uint8Array.from(a));

const mutatedCorpus = fc
  .record({
    file: fc.integer({ min: 0, max: corpus.length - 1 }),
    start: fc.nat(),
    length: fc.integer({ min: 1, max: 4096 }),
    edits: fc.array(fc.record({ at: fc.nat(), value: byte, kind: fc.constantFrom('set', 'insert', 'delete') }), { maxLength: 16 }),
  })
  .map(({ file, start, length, edits }) => {
    const src = corpus[file] as Uint8Array;
    const from = start % src.length;
    const bytes = Array.from(src.subarray(from, from + length));
    for (const e of edits) {
      const at = bytes.length === 0 ? 0 : e.at % bytes.length;
      if (e.kind === 'set') bytes[at] = e.value;
      else if (e.kind === 'insert') bytes.splice(at, 0, e.value);
      else bytes.splice(at, 1);
    }
    return Uint8Array.from(bytes);
  });

// Byte shapes real tills and drivers send (issue 15, issue 16): line-end pairs, a cut missing its feed byte,
// ESC 4/5 without a parameter, driver framing, foreign-job signatures, 2D codes, UTF-8 text, raster headers.
const SHAPES: number[][] = [
  [0x0a, 0x0d],
  [0x0d, 0x0a],
  [0x1d, 0x56, 0x41],
  [0x1b, 0x40],
  [0x1b, 0x34],
  [0x1b, 0x35],
  [0x1d, 0x55, 0x42, 0x02, 0x18],
  [0x1d, 0x53, 0x1b, 0x72, 0x1d, 0x54],
  ...['SIZE ', 'CLS\n', '^XA', '%!', '%PDF-', '\x1b%-12345X', '\x1bE\x1b', 'N\nq', 'Caf\u00c3\u00a9 '].map((t) => [...t].map((c) => c.charCodeAt(0))),
  [0x1d, 0x28, 0x6b, 0x07, 0x00, 0x36, 0x50, 0x30, 0x41, 0x42, 0x43, 0x44],
  [0x1d, 0x28, 0x6b, 0x03, 0x00, 0x36, 0x51, 0x30],
  [0x1d, 0x28, 0x6b, 0x03, 0x00, 0x35, 0x51, 0x30],
  [0xe6, 0xac, 0xa2, 0xe8, 0xbf, 0x8e],
  [0x1d, 0x76, 0x30, 0x00, 0x02, 0x00, 0x03, 0x00, 0xff, 0x00, 0x81, 0x42, 0x3c, 0x18],
  [0x1d, 0x76, 0x30, 0x03, 0x01, 0x00, 0x02, 0x00, 0xaa],
  [0x1b, 0x2a, 0x00, 0x03, 0x00, 0xff, 0x81, 0xff],
  [0x1b, 0x2a, 0x21, 0x02, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00],
  [0x1d, 0x28, 0x4c, 0x0b, 0x00, 0x30, 0x70, 0x30, 0x01, 0x01, 0x31, 0x08, 0x00, 0x02, 0x00, 0xf0, 0x0f],
  [0x1d, 0x28, 0x4c, 0x02, 0x00, 0x30, 0x32],
  [0x1d, 0x38, 0x4c, 0x0b, 0x00, 0x00, 0x00, 0x30, 0x70, 0x30, 0x02, 0x02, 0x31, 0x10, 0x00, 0x01, 0x00],
  [0x1c, 0x70, 0x01, 0x00],
  [0x1d, 0x2f, 0x00],
  // More raster shapes: GS v 0 scale modes, ESC * 24-dot with its line feed, GS ( L columns (fn 113), NV and download
  // graphics printed by reference (fn 69, fn 85), a band inside Xprinter's driver frame, a store that lies about its size.
  [0x1d, 0x76, 0x30, 0x33, 0x01, 0x00, 0x02, 0x00, 0x81, 0x7e],
  [0x1d, 0x76, 0x30, 0x31, 0x02, 0x00, 0x01, 0x00, 0xf0, 0x0f],
  [0x1b, 0x2a, 0x20, 0x01, 0x00, 0xaa, 0x55, 0xff, 0x0a],
  [0x1b, 0x2a, 0x01, 0x02, 0x00, 0x18, 0x3c, 0x0a],
  [0x1d, 0x28, 0x4c, 0x0c, 0x00, 0x30, 0x71, 0x30, 0x02, 0x01, 0x31, 0x02, 0x00, 0x09, 0x00, 0xff, 0x80],
  [0x1d, 0x28, 0x4c, 0x06, 0x00, 0x30, 0x45, 0x20, 0x20, 0x01, 0x01],
  [0x1d, 0x38, 0x4c, 0x04, 0x00, 0x00, 0x00, 0x30, 0x55, 0x20, 0x20],
  [0x1d, 0x55, 0x42, 0x02, 0x18, 0x1d, 0x76, 0x30, 0x00, 0x01, 0x00, 0x02, 0x00, 0x3c, 0x42, 0x1d, 0x53, 0x1b, 0x72, 0x1d, 0x54],
  [0x1d, 0x28, 0x4c, 0x0a, 0x00, 0x30, 0x70, 0x30, 0x01, 0x01, 0x31, 0x40, 0x00, 0x40, 0x00, 0x1d, 0x28, 0x4c, 0x02, 0x00, 0x30, 0x32],
  // A store that lies about its size over more data than the decoder reads byte by byte (it searches that for the
  // print command), GS bytes and a print command's first six bytes among the dots.
  [
    ...[0x1d, 0x28, 0x4c, 0x00, 0x02, 0x30, 0x70, 0x30, 0x01, 0x01, 0x31, 0x40, 0x00, 0x40, 0x00],
    ...Array.from({ length: 90 }, (_, k) => (k % 17 === 3 ? 0x1d : (k * 37) & 0xff)),
    ...[0x1d, 0x28, 0x4c, 0x02, 0x00, 0x30, 0x41, 0x1d, 0x28, 0x4c, 0x02, 0x00, 0x30, 0x32],
  ],
];
const shapedJob = fc
  .array(fc.oneof(fc.constantFrom(...SHAPES), fc.array(byte, { maxLength: 12 }), fc.constantFrom([0x41, 0x42, 0x0a], [0x20, 0x31, 0x2e, 0x30, 0x0a])), { maxLength: 96 })
  .map((parts) => Uint8Array.from(parts.flat()));

const chunkSizes = fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 });

const codepage = fc.constantFrom('CP437', 'WPC1252', 'UTF-8', 'GBK', 'BIG5');

function check(bytes: Uint8Array, sizes: number[], page: string): void {
  const whole = decode(bytes, { codepage: page });
  let covered = 0;
  for (const r of whole) {
    for (const l of r.lines) {
      if (/[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(l.text)) {
        throw new Error(`unprintable text ${JSON.stringify(l.text)}`);
      }
      if (l.text.length > 4096) throw new Error('line longer than the decoder bound');
    }
    if (r.warnings.length > 101) throw new Error('warnings unbounded');
    covered += r.raw.length;
  }
  if (covered > bytes.length) throw new Error('raw spans cover more than the input');
  // Same receipts whatever the chunking.
  const s = new EscposStream({ codepage: page });
  const chunked: DecodedReceipt[] = [];
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const n = sizes[k++ % sizes.length] as number;
    chunked.push(...s.push(bytes.subarray(at, at + n), 0).receipts);
    at += n;
  }
  chunked.push(...s.end());
  const shape = (rs: DecodedReceipt[]) =>
    rs.map((r) => [r.end, r.raw.length, r.lines.map((l) => l.text), r.qr, r.pdf417, r.barcodes, r.codes, r.images, r.pictures, r.notReceipt, r.warnings]);
  expect(shape(chunked)).toEqual(shape(whole));
}

describe('decoder fuzz', () => {
  it(
    'random bytes in several code pages: no exception, printable text only, chunking-invariant',
    () => {
      fc.assert(
        fc.property(randomJob, chunkSizes, codepage, (bytes, sizes, page) => check(bytes, sizes, page)),
        { numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS / 2, markInterruptAsFailure: false },
      );
    },
    BUDGET_MS + 30_000,
  );

  it(
    'mutated corpus bytes: no exception, printable text only, chunking-invariant, memory bounded',
    () => {
      const before = process.memoryUsage().heapUsed;
      fc.assert(
        fc.property(mutatedCorpus, chunkSizes, codepage, (bytes, sizes, page) => check(bytes, sizes, page)),
        { numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS / 2, markInterruptAsFailure: false },
      );
      globalThis.gc?.();
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(256 * 1024 * 1024);
    },
    BUDGET_MS + 30_000,
  );

  it(
    'shapes of real tills, drivers, foreign jobs and raster images, mixed with random bytes: same invariants',
    () => {
      fc.assert(
        fc.property(shapedJob, chunkSizes, codepage, (bytes, sizes, page) => check(bytes, sizes, page)),
        { numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS / 2, markInterruptAsFailure: false },
      );
    },
    BUDGET_MS + 30_000,
  );

  it(
    'random pictures in every raster dialect, read in random chunks, come back dot for dot',
    () => {
      const dialects: { dialect: Dialect; mode: number; wrap: (b: Parameters<typeof toGsV0>[0]) => Uint8Array }[] = [
        ...[0, 1, 2, 3, 48, 51].map((mode) => ({ dialect: 'GS v 0' as Dialect, mode, wrap: (b: Parameters<typeof toGsV0>[0]) => toGsV0(b, { mode: mode as 0, band: 5 }) })),
        ...[0, 1, 32, 33].map((mode) => ({ dialect: 'ESC *' as Dialect, mode, wrap: (b: Parameters<typeof toGsV0>[0]) => toEscStar(b, { mode: mode as 0 }) })),
        { dialect: 'GS ( L', mode: 0, wrap: (b) => toGsL(b, { band: 9 }) },
        { dialect: 'GS ( L', mode: 0, wrap: (b) => toGsL(b, { columns: true }) },
        { dialect: 'GS 8 L', mode: 0, wrap: (b) => toGsL(b, { big: true }) },
      ];
      const picture = fc.record({
        width: fc.integer({ min: 1, max: 80 }),
        height: fc.integer({ min: 1, max: 60 }),
        seed: fc.nat(),
        which: fc.nat({ max: dialects.length - 1 }),
      });
      fc.assert(
        fc.property(picture, chunkSizes, ({ width, height, seed, which }, sizes) => {
          const d = dialects[which] as (typeof dialects)[number];
          const b = randomBitmap(width, height, seed);
          const bytes = rasterJob(d.wrap(b));
          const s = new EscposStream();
          const rs: DecodedReceipt[] = [];
          for (let at = 0, k = 0; at < bytes.length; at += sizes[k++ % sizes.length] as number) {
            rs.push(...s.push(bytes.subarray(at, at + (sizes[k % sizes.length] as number)), 0).receipts);
          }
          rs.push(...s.end());
          const want = printedAs(b, d.dialect, d.mode);
          const got = rs[0]?.pictures?.[0];
          expect([rs.length, rs[0]?.images, got?.width, got?.height]).toEqual([1, 1, want.width, want.height]);
          expect(Buffer.from(got?.data ?? []).equals(Buffer.from(want.data))).toBe(true);
        }),
        { numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS / 4, markInterruptAsFailure: false },
      );
    },
    BUDGET_MS + 30_000,
  );

  it('a 4 GB declared length at the end of a small job finishes at once', () => {
    const t0 = Date.now();
    const rs = decode(Uint8Array.from([0x41, 0x0a, 0x1d, 0x38, 0x4c, 0xff, 0xff, 0xff, 0xff, 0x30, 0x70, 1, 2, 3]));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(rs[0]?.warnings.map((w) => w.code)).toEqual(['truncated_block']);
  });

  it('a long stream that never cuts keeps a bounded line and does not grow per byte', () => {
    const s = new EscposStream({ idleMs: 10 });
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    const receipts: DecodedReceipt[] = [];
    for (let k = 0; k < 64; k++) receipts.push(...s.push(chunk, k * 100).receipts);
    expect(receipts).toHaveLength(63);
    for (const r of receipts) {
      expect(r.end).toBe('idle');
      expect(r.raw.length).toBe(chunk.length);
      expect(r.lines.every((l) => l.text.length <= 4096)).toBe(true);
    }
  });
});
