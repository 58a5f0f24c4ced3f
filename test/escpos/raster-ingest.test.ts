// A raster receipt goes through ingest like any job: journaled byte for byte, and its pictures decode again from the journal.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestJob } from '../../main/engine/pipeline.js';
import { decode } from '../../main/escpos/index.js';
import { harness, type Harness } from '../store/harness.js';
import { randomBitmap, rasterJob, toGsV0 } from '../support/raster-escpos.js';

let h: Harness;
beforeEach(() => {
  h = harness('raster-ingest');
});
afterEach(async () => {
  await h.cleanup();
});

describe('ingest of a receipt printed as a picture', () => {
  it('an 80 mm GS v 0 receipt is journaled byte for byte and its picture reads back from the journal dot for dot', async () => {
    const store = await h.open();
    const page = randomBitmap(576, 480, 31, 0.1);
    const bytes = Buffer.from(rasterJob(toGsV0(page, { band: 24, framing: 'xprinter' })));
    const out = ingestJob(store, { deviceId: 'till-1', integration: 'escpos_serial', bytes, capturedAt: '2026-12-02T09:00:00.000Z' });
    expect(out.receipts).toHaveLength(1);
    const journaled = store.readJournal(out.job)!.bytes;
    expect(Buffer.from(journaled).equals(bytes)).toBe(true);
    const pictures = decode(journaled).flatMap((r) => r.pictures ?? []);
    expect(pictures.map((p) => [p.width, p.height, p.paperDots])).toEqual([[576, 480, 576]]);
    expect(Buffer.from(pictures[0]!.data).equals(Buffer.from(page.data))).toBe(true);
  });
});
