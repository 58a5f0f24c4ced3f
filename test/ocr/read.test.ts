// Receipts printed as pictures read back with the real tesseract.js engine: each parses to the transaction it was drawn from, or waits in review.
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from '../../main/escpos/index.js';
import type { DecodedReceipt } from '../../main/escpos/types.js';
import { OCR_ENGINE, OcrPool, readPictures, type PictureLines } from '../../main/ocr/index.js';
import { parseReadReceipt, type ParseResult } from '../../main/receipts/index.js';
import { contextFor } from '../receipts/decoded.js';
import { differences } from '../support/receipt-truth.js';
import { renderReceipt } from '../support/render-receipt.js';
import type { Dialect } from '../support/raster-escpos.js';
import { DIALECTS, rasterReceiptJob, renderedCases, type RenderedCase } from './support.js';

const pool = new OcrPool();
afterAll(() => pool.close());

/** The bitmap printed as a raster job in `dialect`, decoded (the picture back from the bytes), its text read and parsed. */
async function readBack(c: Pick<RenderedCase, 'bitmap'>, dialect: Dialect = 'GS v 0'): Promise<ParseResult> {
  const receipts = decode(rasterReceiptJob(c.bitmap, dialect));
  expect(receipts).toHaveLength(1);
  const receipt = receipts[0]!;
  expect(receipt.pictures?.map((p) => [p.kind, p.source, p.width, p.paperDots])).toEqual([['raster', dialect, c.bitmap.width, c.bitmap.width]]);
  // As the engine reads: a first reading that does not parse ok has its unsure lines read again at twice the size.
  const parse = (r: { receipt: DecodedReceipt; read: PictureLines }): ParseResult => parseReadReceipt(r.receipt, contextFor(r.receipt), { engine: OCR_ENGINE, ...r.read });
  const read = await readPictures(receipt, pool, (r) => parse(r).status === 'ok');
  expect(read).not.toBeNull();
  return parse(read!);
}

describe('receipts printed as pictures, read with tesseract.js', () => {
  const cases = renderedCases(1602, 2);
  const outcomes: Array<{ c: RenderedCase; result: ParseResult }> = [];

  it.each(cases.map((c, i) => [`${c.dots} dots, ${c.font}, ${DIALECTS[i % DIALECTS.length]}, ${c.spec.layout} #${i}`, c, DIALECTS[i % DIALECTS.length]!] as const))('%s: the transaction it was drawn from, or review', async (_, c, dialect) => {
    const result = await readBack(c, dialect);
    outcomes.push({ c, result });
    if (result.status === 'ok') {
      expect(differences(c.spec, result, { descriptionEdits: 2 })).toEqual([]);
      expect(result.transaction!.source.ocr).toEqual({ engine: 'tesseract', mean_confidence: expect.stringMatching(/^0\.\d{2}$|^1\.00$/) });
    } else {
      expect(result.status).toBe('review');
      expect(result.problems.length).toBeGreaterThan(0);
    }
  });

  it('reads most of them right (none wrong and ok), in both fonts and at both widths', () => {
    expect(outcomes).toHaveLength(cases.length);
    const ok = outcomes.filter((o) => o.result.status === 'ok');
    const summary = outcomes.map((o) => `${o.c.dots}/${o.c.font}/${o.c.spec.layout}: ${o.result.status} ${o.result.problems.map((p) => p.code).join(',')}`);
    expect(ok.length, summary.join('\n')).toBeGreaterThanOrEqual(cases.length / 2);
    for (const font of ['mono', 'proportional']) expect(ok.some((o) => o.c.font === font), summary.join('\n')).toBe(true);
    for (const dots of [384, 576]) expect(ok.some((o) => o.c.dots === dots), summary.join('\n')).toBe(true);
  });

  it('a total printed with one digit wrong goes to review, never out as ok', async () => {
    const c = cases.find((x) => x.dots === 576 && x.font === 'mono')!;
    // The naira units digit of the total, one higher on the paper (a till bug or a smudged print): nothing else changes.
    const wrong = { ...c.spec, total: c.spec.total + (Math.floor(c.spec.total / 100) % 10 === 9 ? -100 : 100) };
    const result = await readBack({ bitmap: renderReceipt(wrong, 576, 'mono') });
    expect(result.status).toBe('review');
    expect(result.problems.map((p) => p.field)).toEqual(expect.arrayContaining([expect.stringMatching(/^totals\.|^payments/)]));
  });

  it('a picture whose reading does not settle the receipt has its unsure lines read a second time, and the first stands when neither does', async () => {
    const c = cases.find((x) => x.dots === 576)!;
    const [receipt] = decode(rasterReceiptJob(c.bitmap, 'GS v 0'));
    const before = pool.read;
    const once = await readPictures(receipt!, pool, () => true);
    const readOnce = pool.read - before;
    const twice = await readPictures(receipt!, pool, () => false);
    // The first reading again, then each line holding a word below 86 % on its own.
    const unsure = once!.read.lines.filter((l) => l.words.some((w) => w.confidence < 0.86)).length;
    expect(pool.read - before - readOnce).toBe(readOnce + unsure);
    expect(twice!.receipt.lines.map((l) => l.text)).toEqual(once!.receipt.lines.map((l) => l.text));
  });

  it('a logo-sized picture is not read', async () => {
    const before = pool.read;
    const logo = renderReceipt(cases[0]!.spec, 384, 'mono');
    const small = { width: logo.width, height: 32, data: logo.data.subarray(0, Math.ceil(logo.width / 8) * 32) };
    const [receipt] = decode(rasterReceiptJob(small, 'GS v 0'));
    expect(receipt!.pictures).toHaveLength(1);
    expect(await readPictures(receipt!, pool)).toBeNull();
    expect(pool.read).toBe(before);
  });
});
