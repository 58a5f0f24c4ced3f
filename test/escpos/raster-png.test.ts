// `decode --json` reports each picture; `decode --png` writes the page as the paper looks, read back here with an independent PNG decoder.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { afterAll, describe, expect, it } from 'vitest';
import { command } from '../../main/cli/decode.js';
import { UsageError, type CommandContext } from '../../main/cli/command.js';
import type { Bitmap } from '../../main/escpos/types.js';
import { decode } from '../../main/escpos/index.js';
import { bitmapFromRgba, concat, randomBitmap, rasterJob, toEscStar, toGsV0 } from '../support/raster-escpos.js';

const dir = mkdtempSync(join(tmpdir(), 'escpos-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const ctx: CommandContext = { argv, dataDir: dir, configFile: join(dir, 'config.json'), env: {}, stdin: Readable.from([]), stdout, stderr };
  const code = await command.run(ctx);
  return { code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

/** The PNG's pixels through @napi-rs/canvas (Skia's decoder): 1 where a pixel is dark. */
async function pixels(file: string): Promise<{ width: number; height: number; dark: (x: number, y: number) => number }> {
  const img = await loadImage(readFileSync(file));
  const canvas = createCanvas(img.width, img.height);
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  const { data } = g.getImageData(0, 0, img.width, img.height);
  return { width: img.width, height: img.height, dark: (x, y) => ((data[(y * img.width + x) * 4] as number) < 128 ? 1 : 0) };
}

const dot = (b: Bitmap, x: number, y: number) => ((b.data[y * ((b.width + 7) >> 3) + (x >> 3)] as number) >> (7 - (x & 7))) & 1;
const text = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

describe('decode --json and --png on raster receipts', () => {
  const logo = randomBitmap(200, 48, 21);
  const body = randomBitmap(576, 96, 22);
  const job = rasterJob(
    text('Head\n'),
    Uint8Array.of(0x1b, 0x61, 1),
    toGsV0(logo, { band: 24 }),
    Uint8Array.of(0x1b, 0x61, 0),
    text('Middle line\n'),
    toEscStar(body, { mode: 33 }),
    text('TOTAL 5,000.00\n'),
  );
  const file = join(dir, 'raster.bin');
  writeFileSync(file, job);

  it('--json lists each picture with its line, size, source and paper, without the dots', async () => {
    const { code, out } = await run([file, '--json']);
    expect(code).toBe(0);
    const r = (JSON.parse(out) as { receipts: { lines: string[]; images: number; pictures: unknown[] }[] }).receipts[0];
    expect(r?.lines).toEqual(['Head', 'Middle line', 'TOTAL 5,000.00']);
    expect(r?.images).toBe(2);
    expect(r?.pictures).toEqual([
      { kind: 'raster', source: 'GS v 0', line: 1, align: 'center', width: 200, height: 48, paperDots: 384, offset: 2 + 5 + 3 },
      { kind: 'raster', source: 'ESC *', line: 2, align: 'left', width: 576, height: 96, paperDots: 576, offset: expect.any(Number) as number },
    ]);
  });

  it('--png draws the page at the paper width, the pictures dot for dot at their places and the text in between', async () => {
    const png = join(dir, 'page.png');
    const { code } = await run([file, '--png', png]);
    expect(code).toBe(0);
    const page = await pixels(png);
    expect(page.width).toBe(576);
    // Head (30 dots), the centred logo (48), Middle line (30), the body (96), TOTAL (30).
    expect(page.height).toBe(30 + 48 + 30 + 96 + 30);
    const logoX = (576 - 200) / 2;
    let wrong = 0;
    for (let y = 0; y < 48; y++) for (let x = 0; x < 200; x++) wrong += page.dark(logoX + x, 30 + y) ^ dot(logo, x, y);
    for (let y = 0; y < 96; y++) for (let x = 0; x < 576; x++) wrong += page.dark(x, 30 + 48 + 30 + y) ^ dot(body, x, y);
    expect(wrong).toBe(0);
    // Left and right of the centred logo stay white; each text line has ink where its characters are.
    let beside = 0;
    for (let y = 30; y < 78; y++) for (let x = 0; x < logoX; x++) beside += page.dark(x, y) + page.dark(575 - x, y);
    expect(beside).toBe(0);
    const ink = (y0: number, x0: number, x1: number) => {
      let n = 0;
      for (let y = y0; y < y0 + 24; y++) for (let x = x0; x < x1; x++) n += page.dark(x, y);
      return n;
    };
    expect(ink(0, 0, 4 * 12)).toBeGreaterThan(40); // "Head"
    expect(ink(0, 4 * 12, 576)).toBe(0);
    expect(ink(30 + 48 + 30 + 96, 0, 14 * 12)).toBeGreaterThan(100); // "TOTAL 5,000.00"
  });

  it('two receipts are drawn one under the other with a cut line between', async () => {
    const two = join(dir, 'two.bin');
    writeFileSync(two, concat(rasterJob(text('One\n')), rasterJob(text('Two\n'))));
    const png = join(dir, 'two.png');
    await run([two, '--png', png, '--columns', '32']);
    const page = await pixels(png);
    expect([page.width, page.height]).toEqual([384, 30 + 40 + 30]);
    let cut = 0;
    for (let x = 0; x < 384; x++) cut += page.dark(x, 30 + 20);
    expect(cut).toBe(384 / 2);
  });

  it('--png to a folder that does not exist is a usage error naming the path', async () => {
    const bad = join(dir, 'no', 'such', 'x.png');
    await expect(run([file, '--png', bad])).rejects.toThrow(UsageError);
    await expect(run([file, '--png', bad])).rejects.toThrow(`cannot write ${bad}`);
  });

  it('a receipt rendered on a canvas turns into dots (bitmapFromRgba), travels as GS v 0 and comes back the same', () => {
    const canvas = createCanvas(384, 60);
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 384, 60);
    g.fillStyle = '#000';
    g.font = '24px monospace';
    g.fillText('TOTAL 5,000.00', 8, 40);
    const dots = bitmapFromRgba(g.getImageData(0, 0, 384, 60).data, 384, 60);
    let ink = 0;
    for (let y = 0; y < 60; y++) for (let x = 0; x < 384; x++) ink += dot(dots, x, y);
    expect(ink).toBeGreaterThan(300);
    const [r] = decode(rasterJob(toGsV0(dots, { band: 24 })));
    expect(Buffer.from(r?.pictures?.[0]?.data ?? []).equals(Buffer.from(dots.data))).toBe(true);
  });
});
