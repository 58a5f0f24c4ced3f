// Receipts printed as pictures read back with the real tesseract.js engine: each parses to the transaction it was drawn from, or waits in review.
import { afterAll, describe, expect, it } from 'vitest';
import { OCR_ENGINE, OcrPool, readPictures } from '../../main/ocr/index.js';
import { parseReadReceipt, type ParseResult } from '../../main/receipts/index.js';
import { contextFor } from '../receipts/decoded.js';
import { differences } from '../support/receipt-truth.js';
import { renderReceipt } from '../support/render-receipt.js';
import { pictureReceipt, renderedCases, type RenderedCase } from './support.js';

const pool = new OcrPool();
afterAll(() => pool.close());

async function readBack(c: Pick<RenderedCase, 'bitmap'>): Promise<ParseResult> {
  const receipt = pictureReceipt(c.bitmap);
  const read = await readPictures(receipt, pool);
  expect(read).not.toBeNull();
  return parseReadReceipt(read!.receipt, contextFor(read!.receipt), { engine: OCR_ENGINE, ...read!.read });
}

describe('receipts printed as pictures, read with tesseract.js', () => {
  const cases = renderedCases(1602, 2);
  const outcomes: Array<{ c: RenderedCase; result: ParseResult }> = [];

  it.each(cases.map((c, i) => [`${c.dots} dots, ${c.font}, ${c.spec.layout} #${i}`, c] as const))('%s: the transaction it was drawn from, or review', async (_, c) => {
    const result = await readBack(c);
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

  it('a logo-sized picture is not read', async () => {
    const before = pool.read;
    const logo = renderReceipt(cases[0]!.spec, 384, 'mono');
    const small = { width: logo.width, height: 32, data: logo.data.subarray(0, Math.ceil(logo.width / 8) * 32) };
    expect(await readPictures(pictureReceipt(small), pool)).toBeNull();
    expect(pool.read).toBe(before);
  });
});
