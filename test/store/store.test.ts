// The journal and outbox over real SQLCipher and a real keychain: dedup, states, forwarding moves, retention.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { InvalidStateChange, OUTBOX_STATES, sha256Hex, storeStatus } from '../../main/store/index.js';
import { transactionId } from '../../main/receipts/transaction.js';
import { waitFor } from '../support/wait.js';
import { harness, job, type Harness } from './harness.js';
import { parsed } from './sample.js';

let h: Harness;
beforeEach(() => {
  h = harness('store');
});
afterEach(async () => {
  await h.cleanup();
});

describe('encrypted store', () => {
  it('makes a 256-bit key in the keychain at first start and writes no plaintext SQLite header', async () => {
    const store = await h.open();
    const key = await h.vault.get('database-key');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    store.journal(job());
    store.close();
    const head = readFileSync(join(h.dataDir, 'bridge.db')).subarray(0, 16).toString('latin1');
    expect(head).not.toContain('SQLite format 3');
    const again = await h.open();
    expect(again.unparsedJournal()).toHaveLength(1);
    expect(await h.vault.get('database-key')).toBe(key);
  });

  it('with the checkpoint worker, a closed store leaves nothing open: the WAL is folded back and the data dir can go', async () => {
    const store = await h.open({ checkpointEveryMs: 20 });
    for (let i = 0; i < 50; i++) store.journal(job());
    await new Promise((resolve) => setTimeout(resolve, 100));
    store.close();
    await store.whenClosed();
    // The last connection to close removes the WAL and its index; a worker still open would keep them.
    expect(existsSync(join(h.dataDir, 'bridge.db-wal'))).toBe(false);
    expect(existsSync(join(h.dataDir, 'bridge.db-shm'))).toBe(false);
    const again = await h.open();
    expect(again.unparsedJournal()).toHaveLength(50);
  });

  it('stores the same job captured twice once, under the id derived from device and bytes', async () => {
    const store = await h.open();
    const j = job('till-1', 'SAME RECEIPT');
    const first = store.journal(j);
    const second = store.journal({ ...j, capturedAt: new Date(Date.now() + 5000).toISOString() });
    const otherDevice = store.journal({ ...j, deviceId: 'till-2' });
    expect(first).toMatchObject({ duplicate: false, buffered: false });
    expect(second).toMatchObject({ id: first.id, duplicate: true });
    expect(otherDevice.id).not.toBe(first.id);
    expect(store.readJournal(first.id)!.bytes).toEqual(new Uint8Array(j.bytes));
    expect(store.connection.prepare('SELECT count(*) AS n FROM journal').get()).toEqual({ n: 2 });
  });

  it('keeps a job deflated at rest when that is smaller, with its id and digest of the bytes as printed', async () => {
    const store = await h.open();
    // An 80 mm raster receipt (GS v 0, 72 × 400 bytes of mostly white bitmap) and bytes that do not compress.
    const raster = Buffer.concat([Buffer.from([0x1b, 0x40, 0x1d, 0x76, 0x30, 0, 72, 0, 0x90, 0x01]), Buffer.alloc(72 * 400, 0), Buffer.from([0x1d, 0x56, 0])]);
    raster.fill(0xf0, 500, 900);
    const noise = randomBytes(2000);
    const [r, n] = [raster, noise].map((bytes) => store.journal({ ...job(), bytes }));
    const rows = store.connection.prepare('SELECT encoding, size, length(bytes) AS stored, sha256 FROM journal ORDER BY seq').all() as Array<{ encoding: number; size: number; stored: number; sha256: string }>;
    expect(rows[0]).toMatchObject({ encoding: 1, size: raster.length, sha256: sha256Hex(raster) });
    expect(rows[0]!.stored).toBeLessThan(raster.length / 20);
    expect(rows[1]).toMatchObject({ encoding: 0, size: noise.length, stored: noise.length });
    expect(r!.id).toBe(transactionId('till-1', raster));
    expect(Buffer.from(store.readJournal(r!.id)!.bytes).equals(raster)).toBe(true);
    expect(Buffer.from(store.readJournal(n!.id)!.bytes).equals(noise)).toBe(true);
  });

  it('copies committed pages into the database file from a worker when asked to (the engine), and closes it with the store', async () => {
    const store = await h.open({ checkpointEveryMs: 30 });
    const file = join(h.dataDir, 'bridge.db');
    const before = statSync(file).size;
    const ids = Array.from({ length: 300 }, () => store.journal({ ...job(), bytes: randomBytes(1200) }).id);
    // 300 commits are far below the committing connection's own checkpoint threshold: only the worker moves them.
    await waitFor(() => statSync(file).size > before + 300 * 1000, 10_000, 'the worker to checkpoint the WAL');
    store.close();
    const again = await h.open();
    expect(again.unparsedJournal(1000)).toEqual(ids);
    expect(again.integrity()).toEqual([]);
  });

  it('the checkpoint worker holds no more memory after thousands of checkpoints (the engine runs it every 2 s for months)', async () => {
    // Every millisecond for 5 s: ~5,000 checkpoints, ten days' worth of the engine's. A statement prepared per
    // checkpoint and freed only when the worker's isolate collected it (which, allocating little, it rarely did)
    // had held ~8 MB after 5,000; prepared once, the worker's memory stays where it started.
    const store = await h.open({ checkpointEveryMs: 1 });
    store.journal(job());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = process.memoryUsage().rss;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const grown = (process.memoryUsage().rss - before) / 1048576;
    store.close();
    await store.whenClosed();
    expect(grown).toBeLessThan(3);
  }, 20_000);

  it('keeps a journaled job whose parse was never recorded, and forgets it once recorded', async () => {
    let store = await h.open();
    const { id } = store.journal(job());
    store.close();
    store = await h.open();
    expect(store.unparsedJournal()).toEqual([id]);
    expect(store.recordParse(parsed(id, 'review'))).toBe('review');
    expect(store.unparsedJournal()).toEqual([]);
    expect(store.get(id)).toMatchObject({ state: 'review', deviceId: 'till-1', problems: [{ code: 'vat_mismatch' }] });
  });

  it('counts rows by state and ages the oldest pending row by the injected clock', async () => {
    let now = new Date('2026-11-26T06:00:00Z');
    const store = await h.open({ clock: () => now });
    expect(store.oldestPendingAgeS()).toBeNull();
    const ids = [job(), job(), job(), job()].map((j) => store.journal(j).id);
    store.recordParseBatch([parsed(ids[0]!), parsed(ids[1]!), parsed(ids[2]!, 'review'), parsed(ids[3]!, 'unparsed')]);
    now = new Date('2026-11-26T06:01:30Z');
    const status = storeStatus(store);
    expect(status.counts).toMatchObject({ pending: 2, review: 1, unparsed: 1, in_flight: 0, accepted: 0 });
    expect(status.oldestPendingAgeS).toBe(90);
    expect(status.awaitingParse).toBe(0);
  });

  it('keeps the counts by state as rows come and move, also those another process moved, without counting the outbox', async () => {
    let now = new Date('2026-11-26T06:00:00Z');
    const store = await h.open({ clock: () => now });
    const grouped = () => {
      const out = Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0]));
      for (const r of store.connection.prepare('SELECT state, count(*) AS n FROM outbox GROUP BY state').all() as Array<{ state: string; n: number }>) out[r.state] = r.n;
      return out;
    };
    const ids = Array.from({ length: 8 }, () => store.journal(job()).id);
    store.recordParseBatch(ids.map((id, i) => parsed(id, i === 7 ? 'review' : 'pending')));
    expect(store.counts()).toEqual(grouped());
    const claimed = store.claim(5, 1e6).map((c) => c.id);
    store.release([claimed[0]!], 'timeout');
    store.settle([
      { id: claimed[1]!, status: 'accepted', irn: 'IRN-1' },
      { id: claimed[2]!, status: 'rejected', errors: [{ code: 'x', field: 'tin', message: 'bad TIN' }] },
      { id: claimed[3]!, status: 'duplicate' },
    ]);
    store.retry(claimed[2]!);
    expect(store.counts()).toEqual(grouped());
    expect(store.counts()).toMatchObject({ pending: 4, in_flight: 1, accepted: 1, duplicate: 1, review: 1 });
    // Another process (a CLI command beside the engine) moves a row: the counts follow it.
    const other = await h.open();
    other.settle([{ id: claimed[4]!, status: 'accepted', irn: 'IRN-2' }]);
    other.close();
    expect(store.counts()).toMatchObject({ in_flight: 0, accepted: 2 });
    now = new Date('2027-01-26T06:00:00Z');
    expect(store.purge(30)).toBe(3);
    expect(store.counts()).toEqual(grouped());
    expect(store.counts()).toMatchObject({ accepted: 0, duplicate: 0, pending: 4 });
  });

  it('claims pending rows oldest first within the item and byte limits', async () => {
    const store = await h.open();
    const ids = Array.from({ length: 5 }, () => store.journal(job()).id);
    store.recordParseBatch(ids.map((id) => parsed(id)));
    const size = Buffer.byteLength(JSON.stringify(store.get(ids[0]!)!.transaction));
    const first = store.claim(3, 100_000);
    expect(first.map((c) => c.id)).toEqual(ids.slice(0, 3));
    expect(JSON.parse(first[0]!.json).id).toBe(ids[0]);
    const second = store.claim(10, size * 1.5);
    expect(second.map((c) => c.id)).toEqual([ids[3]]);
    expect(store.counts()).toMatchObject({ pending: 1, in_flight: 4 });
  });

  it('returns released rows to pending with the attempt counted and the error kept', async () => {
    const store = await h.open();
    const { id } = store.journal(job());
    store.recordParse(parsed(id));
    store.claim(10, 1e6);
    store.release([id], 'HTTP 503 from the platform');
    expect(store.get(id)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'HTTP 503 from the platform' });
    expect(store.history(id).map((e) => `${e.from}>${e.to}`)).toEqual(['pending>in_flight', 'in_flight>pending']);
  });

  it('settles accepted with the IRN and rejected with its reasons, and a rejected one can be retried', async () => {
    const store = await h.open();
    const [a, b] = [job(), job()].map((j) => store.journal(j).id) as [string, string];
    store.recordParseBatch([parsed(a), parsed(b)]);
    store.claim(10, 1e6);
    store.settle([
      { id: a, status: 'accepted', irn: 'IRN-0001' },
      { id: b, status: 'rejected', errors: [{ code: 'tin_invalid', field: 'seller.tin', message: 'TIN is not registered' }] },
    ]);
    expect(store.get(a)).toMatchObject({ state: 'accepted', irn: 'IRN-0001' });
    expect(store.get(b)).toMatchObject({ state: 'rejected', lastError: 'TIN is not registered', problems: [{ code: 'tin_invalid' }] });
    expect(() => store.retry(a)).toThrow(/already registered/);
    expect(store.retry(b)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('refuses to retry a transaction in review and points at reprocess', async () => {
    const store = await h.open();
    const { id } = store.journal(job());
    store.recordParse(parsed(id, 'review'));
    expect(() => store.retry(id)).toThrow(InvalidStateChange);
    expect(() => store.retry(id)).toThrow(/queue reprocess/);
  });

  it('returns in_flight rows to pending when the owner of the data dir opens the store again, and only then', async () => {
    let store = await h.open();
    const { id } = store.journal(job());
    store.recordParse(parsed(id));
    store.claim(1, 1e6);
    store.close();
    // A short-lived reader (status, queue while `run` works) leaves the rows the engine is sending alone.
    store = await h.open();
    expect(store.get(id)!.state).toBe('in_flight');
    store.close();
    store = await h.open({ recoverInFlight: true });
    expect(store.get(id)!.state).toBe('pending');
    expect(store.history(id).at(-1)).toMatchObject({ from: 'in_flight', to: 'pending', note: 'bridge restarted while sending' });
  });

  it('purges acknowledged rows and their bytes after the retention period, never anything unacknowledged', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const store = await h.open({ clock: () => now });
    const ids = Array.from({ length: 5 }, () => store.journal(job()).id);
    store.recordParseBatch([parsed(ids[0]!), parsed(ids[1]!), parsed(ids[2]!), parsed(ids[3]!, 'review'), parsed(ids[4]!)]);
    store.claim(10, 1e6);
    store.settle([
      { id: ids[0]!, status: 'accepted', irn: 'IRN-1' },
      { id: ids[1]!, status: 'duplicate' },
      { id: ids[2]!, status: 'rejected', errors: [] },
    ]);
    store.release([ids[4]!], 'timeout');
    now = new Date('2026-03-31T23:00:00Z');
    expect(store.purge(90)).toBe(0);
    now = new Date('2026-04-02T00:00:00Z');
    expect(store.purge(90)).toBe(2);
    expect(store.get(ids[0]!)).toBeNull();
    expect(store.readJournal(ids[0]!)).toBeNull();
    expect(store.readJournal(ids[1]!)).toBeNull();
    for (const id of ids.slice(2)) expect(store.readJournal(id)).not.toBeNull();
    expect(store.counts()).toMatchObject({ rejected: 1, review: 1, pending: 1, accepted: 0, duplicate: 0 });
    expect(store.integrity()).toEqual([]);
  });
});
