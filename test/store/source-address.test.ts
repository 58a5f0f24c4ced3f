// A transaction's source.address (issue 13 §3): the lane's address is journaled with the job and survives a restart's recovery and `queue reprocess`; ids never depend on it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestJob, recoverStaged, reprocess, resumeJournal, type IngestJob } from '../../main/engine/pipeline.js';
import { transactionId } from '../../main/receipts/transaction.js';
import { harness, type Harness } from './harness.js';
import { receiptJob, threeReceiptJob } from './receipt.js';

let h: Harness;
beforeEach(() => {
  h = harness('address');
});
afterEach(async () => {
  await h.cleanup();
});

const lane = (bytes: Uint8Array, extra: Partial<IngestJob> = {}): IngestJob => ({
  deviceId: 'till-1',
  integration: 'escpos_tcp',
  bytes,
  capturedAt: '2026-11-26T13:05:00.000Z',
  address: '192.168.1.20',
  ...extra,
});

describe('source.address', () => {
  it('is the lane address on each receipt of a job; the ids are those of the same bytes from any address, or none', async () => {
    const store = await h.open();
    const { job, receipts } = threeReceiptJob();
    const out = ingestJob(store, lane(job));
    expect(out.receipts.map((r) => r.id)).toEqual(receipts.map((r) => transactionId('till-1', r)));
    for (const r of out.receipts) expect(store.get(r.id)!.transaction!.source).toMatchObject({ device_id: 'till-1', integration: 'escpos_tcp', address: '192.168.1.20' });
    // The same till printing again from a new DHCP address, and `ingest` of the file: nothing new.
    expect(ingestJob(store, lane(job, { address: '192.168.1.77' })).receipts.every((r) => r.duplicate)).toBe(true);
    expect(ingestJob(store, lane(job, { address: undefined, integration: 'escpos_serial' })).receipts.every((r) => r.duplicate)).toBe(true);
  });

  it('is left out for a device with no address (serial)', async () => {
    const store = await h.open();
    const [r] = ingestJob(store, lane(receiptJob({ number: 'S-1' }), { address: undefined, integration: 'escpos_serial' })).receipts;
    const source = store.get(r!.id)!.transaction!.source;
    expect(source).not.toHaveProperty('address');
    expect(store.readJournal(r!.id)).not.toHaveProperty('address');
  });

  it('is kept for a job journaled but not parsed when the bridge stopped', async () => {
    let store = await h.open();
    const { id } = store.journal(lane(receiptJob({ number: 'R-1' })));
    store.close();
    store = await h.open();
    expect(resumeJournal(store)).toBe(1);
    expect(store.get(id)!.transaction!.source.address).toBe('192.168.1.20');
  });

  it('is kept for bytes staged mid-receipt and recovered at the next start', async () => {
    let store = await h.open();
    const bytes = receiptJob({ number: 'R-2' });
    const at = '2026-11-26T13:05:00.000Z';
    expect(store.stage([
      { stream: 'lane-a', deviceId: 'till-1', integration: 'escpos_tcp', start: 0, bytes: bytes.subarray(0, 40), at, address: '10.0.0.9' },
      { stream: 'lane-a', deviceId: 'till-1', integration: 'escpos_tcp', start: 40, bytes: bytes.subarray(40), at, address: '10.0.0.9' },
    ])).toBe(true);
    store.close();
    store = await h.open();
    expect(recoverStaged(store, () => ({}))).toMatchObject({ streams: 1, jobs: 1 });
    expect(resumeJournal(store)).toBe(1);
    const [row] = store.list({ limit: 5 });
    expect(row!.id).toBe(transactionId('till-1', bytes));
    expect(row!.transaction!.source.address).toBe('10.0.0.9');
  });

  it('is kept when `queue reprocess` parses a receipt again', async () => {
    const store = await h.open();
    const [r] = ingestJob(store, lane(receiptJob({ number: 'P-1' }), { profile: 'no-such-profile@9' })).receipts;
    expect(r!.state).toBe('unparsed');
    expect(reprocess(store, r!.id, 'generic@1')).toMatchObject({ id: r!.id, state: 'pending' });
    expect(store.get(r!.id)!.transaction!.source).toMatchObject({ address: '192.168.1.20', profile: 'generic@1' });
  });
});
