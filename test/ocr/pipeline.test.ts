// Raster receipts through the engine's pipeline on a real encrypted store: journaled first, `reading`, read off the capture path, re-read after a restart; a backlog costs ids, not bitmaps.
import { afterAll, describe, expect, it } from 'vitest';
import { ingestJob } from '../../main/engine/pipeline.js';
import { PictureReader, type ReadOutcome } from '../../main/engine/reading.js';
import { ReceiptsView } from '../../main/engine/receipts-view.js';
import { OcrPool } from '../../main/ocr/index.js';
import { silentLogger } from '../../main/telemetry/log.js';
import { receiptJob } from '../store/receipt.js';
import { harness } from '../store/harness.js';
import { concat } from '../support/raster-escpos.js';
import { rasterReceiptJob, renderedCases } from './support.js';

const h = harness('ocr-pipeline');
afterAll(() => h.cleanup());

const [first] = renderedCases(2412, 1).filter((c) => c.dots === 576);
const rasterJob = (i = 0): Uint8Array => {
  const job = rasterReceiptJob(first!.bitmap, 'GS v 0');
  // Receipts differ by a byte after the picture (a line feed count), as two prints of a receipt never match exactly.
  return i === 0 ? job : concat(job.subarray(0, job.length - 4), Uint8Array.from({ length: (i % 200) + 1 }, () => 0x0a), Uint8Array.of(0x1b, 0x64, i >> 8, i & 0xff), job.subarray(job.length - 4));
};
const input = (bytes: Uint8Array) => ({ deviceId: 'till-raster', integration: 'escpos_tcp' as const, bytes, capturedAt: new Date().toISOString() });

describe('receipts printed as pictures in the pipeline', () => {
  it('is journaled and shown as reading at once, then read off the capture path into pending or review with its OCR source', async () => {
    const store = await h.open();
    const started = Date.now();
    const out = ingestJob(store, input(rasterJob()));
    // The capture path journals and records the row without waiting for the engine (a few ms, not the seconds OCR takes).
    expect(Date.now() - started).toBeLessThan(1000);
    expect(out.receipts).toEqual([{ id: out.job, state: 'reading', duplicate: false }]);
    expect(store.counts().reading).toBe(1);
    expect(store.get(out.job)).toMatchObject({ state: 'reading', transaction: null });
    // A text receipt beside it is parsed at once.
    expect(ingestJob(store, input(receiptJob({ number: '4401' }))).receipts[0]!.state).toBe('pending');

    const read: ReadOutcome[] = [];
    const reader = new PictureReader(store, new OcrPool(), silentLogger, (o) => read.push(o));
    expect(reader.resume()).toBe(1);
    await reader.drained();
    await reader.stop();
    expect(read).toHaveLength(1);
    const row = store.get(out.job)!;
    expect(['pending', 'review']).toContain(row.state);
    expect(read[0]).toMatchObject({ id: out.job, state: row.state });
    expect(row.transaction!.source.ocr).toEqual({ engine: 'tesseract', mean_confidence: expect.stringMatching(/^0\.\d\d$|^1\.00$/) });
    expect(row.transaction!.raw.text!.join('\n')).toMatch(/TOTAL|AMOUNT DUE/);
    expect(store.history(out.job).map((e) => [e.from, e.to, e.note])).toEqual([[null, 'reading', null], ['reading', row.state, 'text read from the printed picture (OCR)']].slice(store.history(out.job).length === 1 ? 1 : 0));
    expect(store.counts().reading).toBe(0);

    // The app's paper view: the picture as printed, and beside it the words read, each with its confidence.
    const detail = (await new ReceiptsView(store).detail(out.job))!;
    expect(detail.paper!.pictures).toEqual([{ line: 0, width: 576, height: first!.bitmap.height, png: expect.stringMatching(/^data:image\/png;base64,/) }]);
    const words = detail.paper!.read!.flatMap((l) => l.words);
    expect(words.map((w) => w.text).join(' ')).toMatch(/TOTAL|AMOUNT DUE/);
    expect(words.every((w) => w.confidence >= 0 && w.confidence <= 1)).toBe(true);
    store.close();
  });

  it('a stop mid-OCR leaves the receipt reading, and the next start reads it from the journal', async () => {
    let store = await h.open();
    const out = ingestJob(store, input(rasterJob(1)));
    expect(out.receipts[0]!.state).toBe('reading');
    const reader = new PictureReader(store, new OcrPool(), silentLogger);
    expect(reader.resume()).toBe(1);
    await new Promise((r) => setTimeout(r, 300)); // the worker is starting or reading
    await reader.stop();
    expect(store.get(out.job)!.state).toBe('reading');
    store.close();

    store = await h.open();
    expect(store.get(out.job)!.state).toBe('reading');
    const again = new PictureReader(store, new OcrPool(), silentLogger);
    expect(again.resume()).toBe(1);
    await again.drained();
    await again.stop();
    expect(['pending', 'review']).toContain(store.get(out.job)!.state);
    store.close();
  });

  it('a backlog of 1,000 raster receipts is queued as ids: memory grows by kilobytes, not by their bitmaps', async () => {
    const store = await h.open();
    for (let i = 2; i < 1002; i++) expect(ingestJob(store, input(rasterJob(i))).receipts[0]!.state).toBe('reading');
    expect(store.counts().reading).toBe(1000);
    // The first receipt starts being read at once; the other 999 wait in the queue as ids.
    const pool = new OcrPool();
    const reader = new PictureReader(store, pool, silentLogger, undefined, 1);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    expect(reader.resume()).toBe(1000);
    const grown = process.memoryUsage().heapUsed - before;
    expect(reader.backlog).toBe(1000);
    // 1,000 bitmaps of an 80 mm receipt would be over 35 MB; 1,000 ids and one receipt being read stay far under.
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    await reader.stop();
    expect(store.counts().reading).toBe(1000);
    store.close();
  }, 240_000);
});
