// The decoder keeps the pictures (issue 16 §1): every raster dialect reads back dot for dot, at its place, whatever the reads' split.
import { describe, expect, it } from 'vitest';
import { decode, EscposStream, scaleBitmap, type DecodedReceipt, type Picture } from '../../main/escpos/index.js';
import type { Bitmap } from '../../main/escpos/types.js';
import {
  concat,
  CUT,
  INIT,
  printedAs,
  randomBitmap,
  rasterJob,
  toEscStar,
  toGsL,
  toGsV0,
  XPRINTER_START,
  type Dialect,
} from '../support/raster-escpos.js';

const text = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const bytes = (...b: number[]) => Uint8Array.from(b);

/** What a test compares: the receipts with their pictures' dots as hex (a failing diff stays readable). */
function shape(rs: DecodedReceipt[]) {
  return rs.map((r) => ({
    end: r.end,
    lines: r.lines.map((l) => l.text),
    images: r.images,
    pictures: (r.pictures ?? []).map((p) => ({ ...p, data: Buffer.from(p.data).toString('hex') })),
    warnings: r.warnings.map((w) => w.code),
  }));
}

function pushAll(s: EscposStream, chunks: Uint8Array[]): DecodedReceipt[] {
  const out: DecodedReceipt[] = [];
  for (const c of chunks) out.push(...s.push(c, 0).receipts);
  out.push(...s.end());
  return out;
}

/**
 * Decodes `job` in one read, byte by byte, and split in two at every offset (or every `step`-th for long jobs):
 * all must give the same receipts. Returns the one-read receipts.
 */
function decodeEverySplit(job: Uint8Array, step = 1): DecodedReceipt[] {
  const whole = decode(job);
  const want = shape(whole);
  const single: Uint8Array[] = [];
  for (let k = 0; k < job.length; k++) single.push(job.subarray(k, k + 1));
  expect(shape(pushAll(new EscposStream(), single)), 'byte by byte').toEqual(want);
  for (let k = 1; k < job.length; k += step) {
    const got = shape(pushAll(new EscposStream(), [job.subarray(0, k), job.subarray(k)]));
    if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `split at ${k}`).toEqual(want);
  }
  return whole;
}

const bitmapOf = (p: Picture | undefined): Bitmap => ({ width: p?.width ?? -1, height: p?.height ?? -1, data: p?.data ?? new Uint8Array(0) });
const hexOf = (b: Bitmap) => ({ width: b.width, height: b.height, data: Buffer.from(b.data).toString('hex') });

describe('raster round trips: random dots read back exactly, in every read split', () => {
  const sizes: [number, number][] = [
    [8, 1],
    [13, 5],
    [40, 24],
    [61, 30],
  ];
  const cases: { name: string; dialect: Dialect; mode?: number; wrap: (b: Bitmap) => Uint8Array; source: string }[] = [
    ...([0, 1, 2, 3, 48, 49, 50, 51] as const).map((mode) => ({ name: `GS v 0 m=${mode}`, dialect: 'GS v 0' as Dialect, mode, wrap: (b: Bitmap) => toGsV0(b, { mode }), source: 'GS v 0' })),
    { name: 'GS v 0 in bands of 7 rows', dialect: 'GS v 0', wrap: (b) => toGsV0(b, { band: 7 }), source: 'GS v 0' },
    { name: 'GS v 0 in 1-row bands, double height', dialect: 'GS v 0', mode: 2, wrap: (b) => toGsV0(b, { band: 1, mode: 2 }), source: 'GS v 0' },
    ...([0, 1, 32, 33] as const).map((mode) => ({ name: `ESC * m=${mode}`, dialect: 'ESC *' as Dialect, mode, wrap: (b: Bitmap) => toEscStar(b, { mode }), source: 'ESC *' })),
    { name: 'GS ( L rows (fn 112)', dialect: 'GS ( L', wrap: (b) => toGsL(b), source: 'GS ( L' },
    { name: 'GS ( L columns (fn 113)', dialect: 'GS ( L', wrap: (b) => toGsL(b, { columns: true }), source: 'GS ( L' },
    { name: 'GS ( L in bands of 8 rows', dialect: 'GS ( L', wrap: (b) => toGsL(b, { band: 8 }), source: 'GS ( L' },
    { name: 'GS 8 L rows', dialect: 'GS 8 L', wrap: (b) => toGsL(b, { big: true }), source: 'GS 8 L' },
    { name: 'GS 8 L columns in bands of 16', dialect: 'GS 8 L', wrap: (b) => toGsL(b, { big: true, columns: true, band: 16 }), source: 'GS 8 L' },
  ];
  for (const c of cases) {
    it(`${c.name}: one picture, the dots as the printer prints them`, () => {
      sizes.forEach(([w, h], k) => {
        const b = randomBitmap(w, h, 1000 * k + c.name.length);
        const job = rasterJob(text('Shop\n'), c.wrap(b), text('Total 5.00\n'));
        const [r, ...rest] = decodeEverySplit(job, job.length > 400 ? 7 : 1);
        expect(rest).toEqual([]);
        expect(r?.lines.map((l) => l.text)).toEqual(['Shop', 'Total 5.00']);
        expect(r?.images).toBe(1);
        expect(r?.warnings).toEqual([]);
        const p = r?.pictures?.[0];
        expect(hexOf(bitmapOf(p))).toEqual(hexOf(printedAs(b, c.dialect, c.mode)));
        expect([p?.kind, p?.source, p?.line, p?.align, p?.paperDots, p?.offset]).toEqual(['raster', c.source, 1, 'left', 384, 2 + 5 + (c.dialect === 'ESC *' ? 3 : 0)]);
      });
    });
  }

  it('an 80 mm picture (576 dots) implies 80 mm paper; a wider one its own width', () => {
    const wide = randomBitmap(576, 3, 7);
    const [r] = decode(rasterJob(toGsV0(wide)));
    expect(r?.pictures?.[0]?.paperDots).toBe(576);
    const wider = randomBitmap(640, 2, 8);
    const [r2] = decode(rasterJob(toGsV0(wider)));
    expect(r2?.pictures?.[0]?.paperDots).toBe(640);
  });
});

describe('pictures at their place among the lines', () => {
  it('a picture between two text lines sits at line 1, centred when ESC a 1 is in force', () => {
    const logo = randomBitmap(16, 4, 3);
    const [r] = decodeEverySplit(rasterJob(text('Head\n'), bytes(0x1b, 0x61, 1), toGsV0(logo), bytes(0x1b, 0x61, 0), text('Body\n')));
    expect(r?.pictures?.map((p) => [p.line, p.align])).toEqual([[1, 'center']]);
    expect(r?.lines.map((l) => l.text)).toEqual(['Head', 'Body']);
  });

  it('text cut off by a picture is printed before it, and two pictures with text between are two', () => {
    const a = randomBitmap(16, 2, 4);
    const b = randomBitmap(24, 3, 5);
    const [r] = decodeEverySplit(rasterJob(text('before'), toGsV0(a), text('middle\n'), toGsV0(b)));
    expect(r?.lines.map((l) => l.text)).toEqual(['before', 'middle']);
    expect(r?.pictures?.map((p) => [p.line, p.width, p.height])).toEqual([
      [1, 16, 2],
      [2, 24, 3],
    ]);
    expect(r?.images).toBe(2);
  });

  it('the line feed that prints an ESC * stripe is no blank line; a further one is', () => {
    const b = randomBitmap(10, 24, 6);
    const [r] = decodeEverySplit(rasterJob(text('A\n'), toEscStar(b, { mode: 33 }), text('\nB\n')));
    expect(r?.lines.map((l) => l.text)).toEqual(['A', '', 'B']);
    expect(r?.pictures?.map((p) => [p.line, p.height])).toEqual([[1, 24]]);
  });

  it('ESC * stripes fed by ESC J join into one picture, and the line feed after them is a blank line', () => {
    const b = randomBitmap(16, 48, 15);
    // Each 24-row stripe as the generator writes it (ESC 3 24, ESC * … LF, ESC 2), its LF replaced by ESC J 24.
    const fed: number[] = [];
    for (let y = 0; y < 48; y += 24) {
      const stripe = toEscStar({ width: 16, height: 24, data: b.data.subarray(y * 2, (y + 24) * 2) }, { mode: 33 });
      fed.push(...stripe.subarray(3, stripe.length - 3), 0x1b, 0x4a, 24);
    }
    const [r] = decodeEverySplit(rasterJob(text('A\n'), Uint8Array.from(fed), text('\nB\n')));
    expect(r?.lines.map((l) => l.text)).toEqual(['A', '', 'B']);
    expect(hexOf(bitmapOf(r?.pictures?.[0]))).toEqual(hexOf(b));
  });

  it("Xprinter's Windows driver: GS v 0 bands inside its frame are the receipt's one picture, and the frame's end cuts", () => {
    const page = randomBitmap(384, 60, 9);
    const framed = concat(toGsV0(page, { band: 24, framing: 'xprinter' }), toGsV0(page, { band: 24, framing: 'xprinter' }));
    const rs = decodeEverySplit(framed, 97);
    expect(rs.map((r) => [r.end, r.images, r.lines.length])).toEqual([
      ['cut', 1, 0],
      ['cut', 1, 0],
    ]);
    expect(hexOf(bitmapOf(rs[1]?.pictures?.[0]))).toEqual(hexOf(page));
    expect(rs[1]?.pictures?.[0]?.offset).toBe(XPRINTER_START.length);
  });

  it('bands of different widths join at the wider width, white on the right of the narrower', () => {
    const a = randomBitmap(16, 2, 10);
    const b = randomBitmap(32, 2, 11);
    const [r] = decodeEverySplit(rasterJob(toGsV0(a), toGsV0(b)));
    const p = r?.pictures?.[0];
    expect([p?.width, p?.height, r?.images]).toEqual([32, 4, 1]);
    expect(Buffer.from(p?.data ?? []).toString('hex')).toBe(
      Buffer.from(concat(a.data.subarray(0, 2), bytes(0, 0), a.data.subarray(2, 4), bytes(0, 0), b.data)).toString('hex'),
    );
  });

  it('GS v 0 then ESC * back to back are two pictures (bands join only within one command)', () => {
    const b = randomBitmap(8, 8, 12);
    const [r] = decode(rasterJob(toGsV0(b), toEscStar(b, { mode: 33 })));
    expect(r?.pictures?.map((p) => p.source)).toEqual(['GS v 0', 'ESC *']);
  });

  it('colour planes of one graphics store print as one black picture', () => {
    const plane = (c: number, row: number) => bytes(0x1d, 0x28, 0x4c, 11, 0, 0x30, 0x70, 0x34, 1, 1, c, 8, 0, 1, 0, row);
    const [r] = decode(rasterJob(plane(0x31, 0xf0), plane(0x32, 0x0f), bytes(0x1d, 0x28, 0x4c, 2, 0, 0x30, 0x32)));
    expect(hexOf(bitmapOf(r?.pictures?.[0]))).toEqual({ width: 8, height: 1, data: 'ff' });
  });

  it('graphics stored twice in the same colour before printing: the second replaces the first', () => {
    const store = (row: number) => bytes(0x1d, 0x28, 0x4c, 11, 0, 0x30, 0x70, 0x30, 1, 1, 0x31, 8, 0, 1, 0, row);
    const [r] = decode(rasterJob(store(0xf0), store(0x0f), bytes(0x1d, 0x28, 0x4c, 2, 0, 0x30, 0x32)));
    expect(hexOf(bitmapOf(r?.pictures?.[0]))).toEqual({ width: 8, height: 1, data: '0f' });
  });
});

describe('logos printed by reference', () => {
  const logos: [string, Uint8Array][] = [
    ['FS p', bytes(0x1c, 0x70, 1, 0)],
    ['GS /', bytes(0x1d, 0x2f, 0)],
    ['GS ( L', bytes(0x1d, 0x28, 0x4c, 6, 0, 0x30, 0x45, 0x20, 0x20, 1, 1)],
    ['GS 8 L', bytes(0x1d, 0x38, 0x4c, 4, 0, 0, 0, 0x30, 0x55, 0x20, 0x20)],
  ];
  for (const [source, cmd] of logos) {
    it(`${source} prints a 0×0 'logo' placeholder at its line`, () => {
      const [r] = decodeEverySplit(rasterJob(text('Top\n'), cmd, text('Bottom\n')));
      expect(r?.pictures).toEqual([{ kind: 'logo', source, line: 1, align: 'left', width: 0, height: 0, data: new Uint8Array(0), paperDots: 0, offset: 6 }]);
      expect(r?.lines.map((l) => l.text)).toEqual(['Top', 'Bottom']);
    });
  }
});

describe('declared lengths are checked: a short image is a warning, never a crash', () => {
  it('GS v 0 cut short by the end of the data keeps its whole rows and warns truncated_block', () => {
    const b = randomBitmap(16, 10, 13);
    const cmd = toGsV0(b);
    const [r] = decodeEverySplit(concat(INIT, text('Hi\n'), cmd.subarray(0, 8 + 7)));
    expect(r?.end).toBe('end_of_data');
    expect(r?.warnings.map((w) => w.code)).toEqual(['truncated_block']);
    expect(hexOf(bitmapOf(r?.pictures?.[0]))).toEqual(hexOf({ width: 16, height: 3, data: b.data.subarray(0, 6) }));
  });

  it('ESC * cut short keeps the columns that came', () => {
    const b = randomBitmap(12, 8, 14);
    const cmd = toEscStar(b, { mode: 1 });
    const [r] = decodeEverySplit(concat(INIT, cmd.subarray(0, 3 + 5 + 4)));
    expect(r?.warnings.map((w) => w.code)).toEqual(['truncated_block']);
    expect([r?.pictures?.[0]?.width, r?.pictures?.[0]?.height]).toEqual([4, 24]);
  });

  it('a graphics store whose length is less than its width × height warns and keeps the rows it holds', () => {
    // 16 × 4 dots need 8 bytes; the block declares 10 + 5.
    const store = bytes(0x1d, 0x28, 0x4c, 15, 0, 0x30, 0x70, 0x30, 1, 1, 0x31, 16, 0, 4, 0, 0xff, 0x00, 0x81, 0x18, 0xaa);
    const [r] = decodeEverySplit(rasterJob(store, bytes(0x1d, 0x28, 0x4c, 2, 0, 0x30, 0x32), text('ok\n')));
    expect(r?.warnings.map((w) => w.code)).toEqual(['truncated_block']);
    expect(hexOf(bitmapOf(r?.pictures?.[0]))).toEqual({ width: 16, height: 2, data: 'ff008118' });
    expect(r?.lines.map((l) => l.text)).toEqual(['ok']);
  });

  it('a graphics store cut short by the print command prints the rows before it', () => {
    const store = bytes(0x1d, 0x38, 0x4c, 0x10, 0x27, 0, 0, 0x30, 0x70, 0x30, 1, 1, 0x31, 8, 0, 100, 0, 0x11, 0x22, 0x33);
    const [r] = decodeEverySplit(concat(INIT, store, bytes(0x1d, 0x28, 0x4c, 2, 0, 0x30, 0x32), text('Footer\n'), CUT));
    expect(r?.lines.map((l) => l.text)).toEqual(['Footer']);
    expect(hexOf(bitmapOf(r?.pictures?.[0]))).toEqual({ width: 8, height: 3, data: '112233' });
    expect(r?.end).toBe('cut');
  });

  it('a graphics store that lies about its length over a long picture ends at the print command inside its data, however the reads split', () => {
    // 40 dots (5 bytes) a row, 60 rows of dots holding GS bytes and a print command's first six bytes (no print);
    // the block declares 2,000 bytes more than come before the real print command.
    const dots = randomBitmap(40, 60, 21);
    dots.data.set([0x1d, 0x1d, 0x28, 0x4c, 0x02, 0x00, 0x30, 0x41, 0x1d], 120);
    const header = bytes(0x30, 0x70, 0x30, 1, 1, 0x31, 40, 0, 60, 0);
    const len = header.length + dots.data.length + 2000;
    const store = concat(bytes(0x1d, 0x28, 0x4c, len & 0xff, len >> 8), header, dots.data);
    const [r] = decodeEverySplit(concat(INIT, text('Top\n'), store, bytes(0x1d, 0x28, 0x4c, 2, 0, 0x30, 0x32), text('Footer\n'), CUT));
    expect(r?.lines.map((l) => l.text)).toEqual(['Top', 'Footer']);
    expect(r?.warnings.map((w) => w.code)).toEqual(['truncated_block']);
    expect(hexOf(bitmapOf(r?.pictures?.[0]))).toEqual(hexOf(dots));
    expect(r?.end).toBe('cut');
  });

  it('a GS v 0 declaring 4 GB of dots keeps at most 16 MiB and says so; the stream goes on', () => {
    const s = new EscposStream();
    const head = bytes(0x1b, 0x40, 0x1d, 0x76, 0x30, 0, 0xff, 0xff, 0xff, 0xff);
    s.push(head, 0);
    const chunk = new Uint8Array(1 << 20).fill(0x55);
    for (let k = 0; k < 20; k++) s.push(chunk, 0);
    const before = process.memoryUsage().rss;
    const [r] = s.end();
    expect(r?.warnings.map((w) => w.code)).toEqual(['invalid_parameter', 'truncated_block']);
    const p = r?.pictures?.[0];
    expect(p?.data.length).toBeLessThanOrEqual(16 << 20);
    expect(p?.width).toBe(0xffff * 8);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });
});

describe('hostile raster jobs stay cheap', () => {
  it('10,000 logo commands keep 4,096 pictures and say so once', () => {
    const logos = new Uint8Array(4 * 10_000);
    for (let k = 0; k < 10_000; k++) logos.set([0x1c, 0x70, 1, 0], 4 * k);
    const [r] = decode(rasterJob(logos));
    expect(r?.pictures).toHaveLength(4096);
    expect(r?.images).toBe(4096);
    expect(r?.warnings.map((w) => w.code)).toEqual(['invalid_parameter']);
  });

  it('graphics stores that each declare 64 KB and stop after 3 bytes cost time in proportion to the bytes sent', () => {
    const one = bytes(0x1d, 0x28, 0x4c, 0xff, 0xff, 0x30, 0x70, 0x30, 1, 1, 0x31, 8, 0, 0xff, 0xff, 1, 2, 3, 0x1d, 0x28, 0x4c, 2, 0, 0x30, 0x32, 0x41, 0x0a);
    const job = new Uint8Array(one.length * 20_000);
    for (let k = 0; k < 20_000; k++) job.set(one, k * one.length);
    const t0 = performance.now();
    const [r] = decode(rasterJob(job));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r?.pictures?.length).toBe(4096);
    expect(r?.lines).toHaveLength(20_000);
  });
});

describe("a picture's dots are made when they are first read", () => {
  /** Three pictures of every kind of band: GS v 0 bands of two widths and a scale mode, ESC * stripes, graphics in two colour planes. */
  const a = randomBitmap(24, 6, 31);
  const b = randomBitmap(40, 5, 32);
  const c = randomBitmap(19, 30, 33);
  const d = randomBitmap(27, 9, 34);
  const plane = (bitmap: Bitmap, colour: number) => {
    const header = bytes(0x30, 0x70, 0x30, 1, 2, colour, bitmap.width, 0, bitmap.height, 0);
    const len = header.length + bitmap.data.length;
    return concat(bytes(0x1d, 0x28, 0x4c, len & 0xff, len >> 8), header, bitmap.data);
  };
  const ink = randomBitmap(27, 9, 35);
  const print = bytes(0x1d, 0x28, 0x4c, 2, 0, 0x30, 0x32);
  // The graphics are stored before a cut and printed after it, in the next receipt.
  const job = concat(
    rasterJob(text('One\n'), toGsV0(a), toGsV0(b, { mode: 1 }), text('Two\n'), toEscStar(c, { mode: 0 }), plane(d, 0x31), plane(ink, 0x32)),
    rasterJob(text('Three\n'), print, text('Four\n')),
  );
  /** The pictures as the printer prints them, built band by band from the test's own bitmaps. */
  const stack = (...bands: Bitmap[]): Bitmap => {
    const width = Math.max(...bands.map((x) => x.width));
    const stride = Math.ceil(width / 8);
    const rows: Uint8Array[] = [];
    for (const band of bands) {
      const inRow = Math.ceil(band.width / 8);
      for (let y = 0; y < band.height; y++) {
        const row = new Uint8Array(stride);
        row.set(band.data.subarray(y * inRow, (y + 1) * inRow));
        rows.push(row);
      }
    }
    return { width, height: rows.length, data: concat(...rows) };
  };
  const planes: Bitmap = { width: 27, height: 9, data: d.data.map((v, k) => v | (ink.data[k] as number)) };
  const expected = [hexOf(stack(printedAs(a, 'GS v 0', 0), printedAs(b, 'GS v 0', 1))), hexOf(printedAs(c, 'ESC *', 0)), hexOf(scaleBitmap(planes, 1, 2))];

  it('pictures read long after their receipts, from reads whose buffers the capture reused, are the dots printed', () => {
    const s = new EscposStream();
    const receipts: DecodedReceipt[] = [];
    const buffer = new Uint8Array(13);
    for (let at = 0; at < job.length; at += buffer.length) {
      const n = Math.min(buffer.length, job.length - at);
      buffer.set(job.subarray(at, at + n));
      receipts.push(...s.push(buffer.subarray(0, n), 0).receipts);
      buffer.fill(0xaa); // what a capture that reuses its read buffer leaves there
    }
    receipts.push(...s.end());
    // The stream goes on with other pictures before anything reads these.
    s.push(rasterJob(toGsV0(randomBitmap(64, 64, 36)), toGsL(randomBitmap(30, 30, 37))), 0);
    s.end();
    expect(receipts.map((r) => r.lines.map((l) => l.text))).toEqual([['One', 'Two'], ['Three', 'Four']]);
    const pictures = receipts.flatMap((r) => r.pictures ?? []);
    expect(pictures.map((p) => hexOf(p))).toEqual(expected);
    // Read again: the same dots, the same array.
    expect(pictures.map((p) => p.data)).toEqual(pictures.map((p) => p.data));
    expect(pictures[0]?.data).toBe(pictures[0]?.data);
  });

  it('graphics stored by one job and printed by the next (the end of data between them) are the dots stored', () => {
    const s = new EscposStream();
    const first = s.push(concat(INIT, plane(d, 0x31)), 0).receipts.concat(s.end());
    const second = s.push(concat(text('Next\n'), print, text('Done\n'), CUT), 0).receipts.concat(s.end());
    expect(first).toEqual([]);
    expect(second.map((r) => r.lines.map((l) => l.text))).toEqual([['Next', 'Done']]);
    expect(hexOf(second[0]?.pictures?.[0] as Picture)).toEqual(hexOf(scaleBitmap(d, 1, 2)));
  });

  it('a picture is a record like any other: spread, structured clone, JSON and Object.keys see its dots, and they can be replaced', () => {
    const [first] = decode(job);
    const p = first?.pictures?.[0] as Picture;
    expect(Object.keys(p)).toEqual(['kind', 'source', 'line', 'align', 'width', 'height', 'data', 'paperDots', 'offset']);
    expect(hexOf({ ...p })).toEqual(expected[0]);
    expect(hexOf(structuredClone(p))).toEqual(expected[0]);
    expect(Object.keys(JSON.parse(JSON.stringify(p)).data as object)).toHaveLength(p.data.length);
    p.data = new Uint8Array(p.data.length);
    expect(p.data.every((v) => v === 0)).toBe(true);
  });
});
