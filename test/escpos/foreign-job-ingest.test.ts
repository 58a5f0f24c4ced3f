// A job that is not ESC/POS (a label or page printer's language) is journaled as always and held `unparsed` with what it is (issue 15 §5).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestJob } from '../../main/engine/pipeline.js';
import { harness, type Harness } from '../store/harness.js';

let h: Harness;
beforeEach(() => {
  h = harness('foreign-job');
});
afterEach(async () => {
  await h.cleanup();
});

describe('ingest of a job that is not a receipt', () => {
  it('a TSPL label job is journaled byte for byte and held unparsed: "this is a TSPL label job, not a receipt"', async () => {
    const store = await h.open();
    const bytes = Buffer.from('SIZE 60 mm, 40 mm\r\nGAP 2 mm, 0\r\nCLS\r\nTEXT 10,10,"3",0,1,1,"TOTAL 5,000.00"\r\nPRINT 1\r\n');
    const out = ingestJob(store, { deviceId: 'till-1', integration: 'escpos_serial', bytes, capturedAt: '2026-12-02T09:00:00.000Z' });
    expect(out.receipts).toHaveLength(1);
    const receipt = out.receipts[0]!;
    expect(receipt.state).toBe('unparsed');
    expect(store.get(receipt.id)!.problems).toEqual([{ code: 'not_a_receipt', field: 'raw', message: 'this is a TSPL label job, not a receipt' }]);
    expect(Buffer.from(store.readJournal(out.job)!.bytes)).toEqual(bytes);
  });
});
