// A captured job through journal → decoder → parser → outbox: never lost, stored once, re-parsed in place.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escposDecoder, JobAssembler, type CapturedJob } from '../../main/capture/index.js';
import { BatchIngestor, ingestJob, parseJob, recoverStaged, reprocess, resumeJournal, type IngestJob } from '../../main/engine/pipeline.js';
import type { Store } from '../../main/store/index.js';
import { silentLogger } from '../../main/telemetry/log.js';
import { harness, type Harness } from './harness.js';
import { transactionId } from '../../main/receipts/transaction.js';
import { printJob, receiptJob, receiptLines, threeReceiptJob } from './receipt.js';

let h: Harness;
beforeEach(() => {
  h = harness('pipeline');
});
afterEach(async () => {
  await h.cleanup();
});

/** A job of one receipt through the pipeline: that receipt's outcome (and whether the job was held in memory). */
function ingestOne(store: Store, job: IngestJob) {
  const out = ingestJob(store, job);
  expect(out.receipts).toHaveLength(1);
  return { ...out.receipts[0]!, buffered: out.buffered };
}

const captured = (bytes: Uint8Array, extra: Record<string, string> = {}) => ({
  deviceId: 'till-1',
  integration: 'escpos_serial' as const,
  bytes,
  capturedAt: '2026-11-26T13:05:00.000Z',
  ...extra,
});

describe('ingest pipeline', () => {
  it('turns a printed receipt into a pending transaction with its totals, stored once however often it is sent', async () => {
    const store = await h.open();
    const first = ingestOne(store, captured(receiptJob()));
    expect(first).toMatchObject({ duplicate: false, state: 'pending', buffered: false });
    const again = ingestOne(store, captured(receiptJob()));
    expect(again).toEqual({ ...first, duplicate: true });
    const tx = store.get(first.id)!.transaction!;
    expect(tx.id).toBe(first.id);
    expect(tx.totals.total).toBe('5375.00');
    expect(tx.source).toMatchObject({ device_id: 'till-1', profile: 'generic@1' });
    expect(store.counts()).toMatchObject({ pending: 1 });
  });

  it('keeps a job the parser cannot read as unparsed with the reason, bytes in the journal', async () => {
    const store = await h.open();
    const bytes = Buffer.from('\x1b@\nHello there\n\x1dV\x00', 'latin1');
    const out = ingestOne(store, captured(bytes));
    expect(out.state).toBe('unparsed');
    const row = store.get(out.id)!;
    expect(row.transaction).toBeNull();
    expect(row.problems[0]!.message.length).toBeGreaterThan(10);
    expect(Buffer.from(store.readJournal(out.id)!.bytes)).toEqual(bytes);
  });

  it('journals the job even when decoding throws, and says why in the unparsed row', async () => {
    const store = await h.open();
    const out = ingestOne(store, captured(receiptJob(), { codepage: 'NO-SUCH-PAGE' }));
    expect(out.state).toBe('unparsed');
    expect(store.get(out.id)!.problems).toEqual([expect.objectContaining({ code: 'parse_failed', field: 'raw' })]);
    expect(store.readJournal(out.id)!.codepage).toBe('NO-SUCH-PAGE');
  });


  it('parses an unparsed job again with another profile, keeping its id, and refuses one already pending', async () => {
    const store = await h.open();
    const out = ingestOne(store, captured(receiptJob(), { profile: 'no-such-profile@9' }));
    expect(out.state).toBe('unparsed');
    expect(store.get(out.id)!.problems[0]).toMatchObject({ code: 'profile_failed' });
    const again = reprocess(store, out.id, 'generic@1');
    expect(again).toMatchObject({ id: out.id, state: 'pending' });
    expect(store.get(out.id)!.transaction!.id).toBe(out.id);
    expect(store.history(out.id).at(-1)).toMatchObject({ from: 'unparsed', to: 'pending', note: 'parsed again with profile generic@1' });
    expect(() => reprocess(store, out.id)).toThrow(/only transactions in review or unparsed/);
  });

  it('parses at start-up the jobs a stopped process journaled but never parsed', async () => {
    let store = await h.open();
    const journaled = [receiptJob({ number: '1' }), printJob(receiptLines({ number: '2' }))].map((b) => store.journal(captured(b)).id);
    store.close();
    store = await h.open();
    expect(resumeJournal(store)).toBe(2);
    expect(journaled.map((id) => store.get(id)?.state)).toEqual(['pending', 'pending']);
    expect(resumeJournal(store)).toBe(0);
  });

  it('never throws from parseJob, whatever the bytes', async () => {
    const store = await h.open();
    for (let i = 0; i < 50; i++) {
      const bytes = Buffer.from(Array.from({ length: 200 }, (_, k) => (k * 37 + i * 101) % 256));
      const id = store.journal(captured(bytes)).id;
      expect(['pending', 'review', 'unparsed']).toContain(parseJob(store.readJournal(id)!).state);
    }
  });
});

describe('a print job with several receipts', () => {
  /** The jobs live capture cuts from these bytes: the real assembler and streaming decoder, fed in 50-byte reads. */
  function captureJobs(bytes: Buffer): CapturedJob[] {
    const jobs: CapturedJob[] = [];
    const assembler = new JobAssembler({
      deviceId: 'till-1',
      integration: 'escpos_serial',
      codepage: 'CP437',
      idleMs: 2000,
      sink: { job: (j) => jobs.push(j), terminalEvent: () => undefined, deviceState: () => undefined },
      decoder: escposDecoder,
      clock: { now: () => 0 },
      log: silentLogger,
    });
    for (let at = 0; at < bytes.length; at += 50) assembler.push(bytes.subarray(at, at + 50));
    assembler.flush();
    return jobs;
  }
  const count = (store: Store, table: string) => (store.connection.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const { job, receipts } = threeReceiptJob();
  const ids = receipts.map((r) => transactionId('till-1', r));

  it('ingest keeps every receipt as its own transaction, with the ids capture gives them, the bytes journaled once; twice adds nothing', async () => {
    expect(captureJobs(job).map((j) => transactionId('till-1', j.bytes))).toEqual(ids);
    const store = await h.open();
    const out = ingestJob(store, captured(job));
    expect(out.receipts).toEqual(ids.map((id) => ({ id, state: 'pending', duplicate: false })));
    expect(ids.map((id) => store.get(id)!.transaction!.receipt_number)).toEqual(['7001', '7002', '7003']);
    expect(ids.map((id) => store.get(id)!.transaction!.raw.bytes)).toEqual(receipts.map((r) => r.length));
    expect(store.get(ids[1]!)!.problems).toEqual([]);
    expect(count(store, 'journal')).toBe(1);
    expect(store.counts().pending).toBe(3);

    const again = ingestJob(store, captured(job));
    expect(again.receipts).toEqual(ids.map((id) => ({ id, state: 'pending', duplicate: true })));
    expect(count(store, 'journal')).toBe(1);
    expect(count(store, 'outbox')).toBe(3);
  });

  it('reprocess of any one of them reads that receipt\'s range of the job again', async () => {
    const store = await h.open();
    const out = ingestJob(store, captured(job, { profile: 'no-such-profile@9' }));
    expect(out.receipts.map((r) => r.state)).toEqual(['unparsed', 'unparsed', 'unparsed']);
    expect(Buffer.from(store.readJournal(ids[1]!)!.bytes).equals(receipts[1]!)).toBe(true);
    expect(reprocess(store, ids[1]!, 'generic@1')).toMatchObject({ id: ids[1], state: 'pending' });
    const tx = store.get(ids[1]!)!.transaction!;
    expect([tx.id, tx.receipt_number, tx.lines[0]!.description]).toEqual([ids[1], '7002', 'Egusi Soup']);
    expect(store.get(ids[0]!)!.state).toBe('unparsed');
  });

  it('live capture of the same bytes stores the same three ids; ingesting the file afterwards adds nothing', async () => {
    const store = await h.open();
    const live = captureJobs(job).map((j) => ingestOne(store, captured(j.bytes)));
    expect(live.map((o) => o.id)).toEqual(ids);
    expect(count(store, 'journal')).toBe(3);
    expect(ingestJob(store, captured(job)).receipts.map((r) => [r.id, r.duplicate])).toEqual(ids.map((id) => [id, true]));
    expect([count(store, 'journal'), count(store, 'outbox')]).toEqual([3, 3]);
  });

  it('a restart that recovers the same bytes from staging stores the same three ids, the bytes journaled once', async () => {
    let store = await h.open();
    expect(store.stage([{ stream: 's9', deviceId: 'till-1', integration: 'escpos_serial', start: 0, bytes: job, at: '2026-11-26T13:05:00.000Z' }])).toBe(true);
    store.close();
    store = await h.open();
    expect(recoverStaged(store, () => ({}))).toMatchObject({ streams: 1, jobs: 1, bytes: job.length });
    expect(resumeJournal(store)).toBe(1);
    expect(store.list({ state: 'pending' }).map((r) => r.id)).toEqual(ids);
    expect(count(store, 'journal')).toBe(1);
  });
});

describe('a job that kills the parser', () => {
  it('is tried at a few start-ups, then left unparsed for a person instead of crashing every start', async () => {
    let store = await h.open();
    const { id } = store.journal(captured(receiptJob({ number: '424242' })));
    // Simulate starts that died while parsing it: each counted its attempt first.
    for (let i = 0; i < 3; i++) expect(store.noteParseAttempt([id])).toEqual([i + 1]);
    store.close();
    store = await h.open();
    expect(resumeJournal(store)).toBe(1);
    expect(store.get(id)).toMatchObject({ state: 'unparsed', problems: [{ code: 'parse_interrupted' }] });
    expect(reprocess(store, id).state).toBe('pending');
  });
});

describe('batch ingestor', () => {
  it('acknowledges jobs arriving together after one shared commit, then writes their outbox rows', async () => {
    const store = await h.open();
    const ingestor = new BatchIngestor(store);
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => ingestor.ingest(captured(receiptJob({ number: String(9000 + i) })))));
    expect(new Set(outcomes.map((o) => o.job)).size).toBe(40);
    expect(outcomes.every((o) => o.receipts.length === 1 && o.receipts[0]!.state === 'pending' && !o.receipts[0]!.duplicate)).toBe(true);
    // Every acknowledged job is journaled now; its outbox row follows on the next turn.
    for (const o of outcomes) expect(store.readJournal(o.job)).not.toBeNull();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(store.counts().pending).toBe(40);
    expect(store.unparsedJournal()).toEqual([]);
    const again = await ingestor.ingest(captured(receiptJob({ number: '9000' })));
    expect(again.receipts).toEqual([{ id: outcomes[0]!.job, duplicate: true, state: 'pending' }]);
  });

  it('a receipt without ESC @ keeps the code page an earlier receipt selected, in the transaction and when parsed again', async () => {
    const store = await h.open();
    const jobs: CapturedJob[] = [];
    const assembler = new JobAssembler({
      deviceId: 'till-1',
      integration: 'escpos_serial',
      codepage: 'CP437',
      idleMs: 2000,
      sink: { job: (j) => jobs.push(j), terminalEvent: () => undefined, deviceState: () => undefined },
      decoder: escposDecoder,
      clock: { now: () => 0 },
      log: silentLogger,
    });
    // The till selects Windows-1252 (ESC t 16) once, then prints the next receipt with no ESC @ before it.
    const first = Buffer.concat([Buffer.from([0x1b, 0x40, 0x1b, 0x74, 16]), printJob(receiptLines({ number: '000201' })).subarray(2)]);
    const second = printJob(receiptLines({ number: '000202', item: 'Crème brûlée' })).subarray(2);
    assembler.push(Buffer.concat([first, second]));
    assembler.flush();
    expect(jobs.map((j) => j.codepage)).toEqual(['CP437', 'WPC1252']);
    const out = ingestOne(store, { ...captured(jobs[1]!.bytes), codepage: jobs[1]!.codepage! });
    expect(store.get(out.id)!.transaction!.lines[0]!.description).toBe('Crème brûlée');
    // Parsed again from the journal alone (as reprocess and a restart do): the same text.
    const again = parseJob(store.readJournal(out.id)!);
    expect(again.transaction!.lines[0]!.description).toBe('Crème brûlée');
    // Without the journaled page the device's CP437 would read other letters: the check above can fail.
    const { codepage: _page, ...withoutPage } = store.readJournal(out.id)!;
    expect(parseJob(withoutPage).transaction?.lines[0]?.description).not.toBe('Crème brûlée');
  });
});

describe('capture staging (bytes of unfinished receipts, durable as they arrive)', () => {
  const at = '2026-11-26T13:05:00.000Z';
  /** A stream's bytes staged in chunks of `size`, as the engine stages them as they arrive. */
  const stageAll = (store: Awaited<ReturnType<Harness['open']>>, stream: string, bytes: Buffer, size: number) => {
    const chunks = [];
    for (let start = 0; start < bytes.length; start += size) {
      chunks.push({ stream, deviceId: 'till-1', integration: 'escpos_serial' as const, start, bytes: bytes.subarray(start, start + size), at });
    }
    expect(store.stage(chunks)).toBe(true);
  };

  it('a journaled job releases exactly its bytes, even inside a chunk; what is left at start-up is journaled as the unfinished receipt', async () => {
    const store = await h.open();
    const a = receiptJob({ number: 'A-1' });
    const b = receiptJob({ number: 'B-2' });
    const halfB = b.subarray(0, Math.floor(b.length / 2));
    stageAll(store, 's1', Buffer.concat([a, halfB]), 37); // chunk edges fall inside both receipts
    ingestOne(store, { ...captured(a), consumes: { stream: 's1', end: a.length } });
    const left = store.stagedStreams();
    expect(left).toHaveLength(1);
    expect(Buffer.compare(left[0]!.bytes, halfB)).toBe(0);
    expect(left[0]!.gaps).toBe(0);

    const recovered = recoverStaged(store, () => ({}));
    expect(recovered).toMatchObject({ streams: 1, jobs: 1, bytes: halfB.length, gaps: 0 });
    expect(store.stagedStreams()).toEqual([]);
    expect(resumeJournal(store)).toBe(1);
    const rows = store.list({ limit: 10 });
    expect(rows).toHaveLength(2);
    const half = rows.find((r) => r.transaction?.receipt_number !== 'A-1')!;
    expect(['review', 'unparsed']).toContain(half.state);
    expect(Buffer.compare(Buffer.from(store.readJournal(half.id)!.bytes), halfB)).toBe(0);
  });

  it('receipts read but not journaled before a crash come back with the ids the live path gives, stored once', async () => {
    const store = await h.open();
    const a = receiptJob({ number: 'A-1' });
    const b = receiptJob({ number: 'B-2' });
    const c = receiptJob({ number: 'C-3' }).subarray(0, 90);
    stageAll(store, 's2', Buffer.concat([a, b, c]), 64);
    // A was journaled by the live path, but the crash came before its release was written.
    const live = ingestOne(store, captured(a));
    expect(recoverStaged(store, () => ({}))).toMatchObject({ streams: 1, jobs: 1 });
    resumeJournal(store);
    const rows = store.list({ limit: 10 });
    expect(rows).toHaveLength(3); // A once, B, and the start of C
    expect(rows.filter((r) => r.id === live.id)).toHaveLength(1);
    expect(rows.map((r) => r.transaction?.receipt_number).filter(Boolean).sort()).toEqual(['A-1', 'B-2']);
  });

  it('a chunk that never reached the disk is reported as a gap, and the rest is still kept', async () => {
    const store = await h.open();
    const a = receiptJob({ number: 'A-1' });
    const chunks = [0, 100, 300].map((start) => ({ stream: 's3', deviceId: 'till-1', integration: 'escpos_serial' as const, start, bytes: a.subarray(start, start + 100), at }));
    store.stage(chunks);
    const [left] = store.stagedStreams();
    expect(left!.gaps).toBe(100);
    expect(Buffer.compare(left!.bytes, Buffer.concat(chunks.map((c) => c.bytes)))).toBe(0);
    const warned: unknown[] = [];
    expect(recoverStaged(store, () => ({}), { warn: (_m, f) => warned.push(f) })).toMatchObject({ gaps: 100 });
    expect(warned).toEqual([{ device: 'till-1', missing_bytes: 100 }]);
  });
});
