// Schema 8 indexes transaction ids in sorted runs (main/store/ids.ts) instead of a unique index: a store of 100,000
// rows in every state with their history loses nothing, ids stay unique for every writer, every id is found whichever
// run holds it, purges and cascades keep the runs in step, and the integrity check notices a run out of step.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, KEY_NAME, LEGACY_PAGE_SIZE, mergeRecentIds, MIGRATIONS, RECENT_IDS_MAX, recentIdCount, tuneConnection, type Store } from '../../main/store/index.js';
import { checkIntegrity, migrate } from '../../main/store/migrations.js';
import { silentLogger } from '../../main/telemetry/log.js';
import { harness, job, type Harness } from './harness.js';
import { contents, legacyStore, openAt } from './legacy-store.js';
import { parsed } from './sample.js';

const ROWS = 100_000;
const root = mkdtempSync(join(tmpdir(), 'tp-store-ids-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the migrations up to `last` (page rewrite aside) on the database at its old page size. */
function migrateTo(db: Database.Database, file: string, last: number): void {
  migrate(db, file, { migrations: MIGRATIONS.filter((m) => m.version <= last && m.version !== 6), now: () => new Date('2026-11-02T00:00:00Z'), log: silentLogger, close: () => db.close() });
}

function insertRow(db: Database.Database, id: string, journalSeq: number, receiptIndex: number): number {
  return db
    .prepare(
      `INSERT INTO outbox (id, journal_seq, receipt_index, byte_start, byte_end, device_id, state, problems_json, created_at, updated_at)
       VALUES (?, ?, ?, 0, 1, 'till-1', 'review', '[]', '2026-11-02T00:00:00.000Z', '2026-11-02T00:00:00.000Z') ON CONFLICT DO NOTHING`,
    )
    .run(id, journalSeq, receiptIndex).changes;
}

describe('migration 8: transaction ids in sorted runs, at 100,000 rows', () => {
  const key = randomBytes(32).toString('hex');
  const file = join(root, 'store', DATABASE_FILE);
  let before: ReturnType<typeof contents>;
  let db: Database.Database;

  beforeAll(() => {
    legacyStore(file, key, ROWS);
    db = openAt(file, key, LEGACY_PAGE_SIZE, true);
    tuneConnection(db);
    migrateTo(db, file, 7);
    before = contents(db);
    migrateTo(db, file, 8);
  }, 600_000);

  afterAll(() => db?.close());

  it('keeps every row of every table, and indexes every outbox row once, in the large run', () => {
    const after = contents(db);
    for (const [table, digest] of Object.entries(before.digests)) expect([table, after.digests[table]]).toEqual([table, digest]);
    expect(before.rows.outbox).toBe(ROWS - 40);
    expect(after.rows.outbox_ids).toBe(before.rows.outbox);
    expect(after.rows.outbox_ids_recent).toBe(0);
    expect(checkIntegrity(db)).toEqual([]);
    expect(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'outbox'").pluck().get()).not.toMatch(/UNIQUE,/);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'sqlite_autoindex_outbox_%'").pluck().get()).toBe(1);
  });

  it('refuses a second row with an id of the recent run for any writer, keeps ids that share a key apart, and the integrity check finds an id stored twice', () => {
    const old = db.prepare('SELECT id, journal_seq FROM outbox WHERE seq = 500').get() as { id: string; journal_seq: number };
    db.exec('SAVEPOINT probe');
    try {
      const shared = '0123456789abcdef';
      expect(insertRow(db, `tx_aaaa${shared}`, 1, 5)).toBe(1);
      expect(insertRow(db, `tx_bbbb${shared}`, 1, 6)).toBe(1);
      expect(insertRow(db, `tx_aaaa${shared}`, 2, 5)).toBe(0);
      expect(db.prepare(`SELECT count(*) FROM outbox_ids_recent WHERE key = '0123456789abcdef'`).pluck().get()).toBe(2);
      // The same journal row and receipt index is still one receipt (the other unique key is unchanged).
      expect(insertRow(db, 'tx_ffffffffffffffffffff', 1, 5)).toBe(0);
      expect(checkIntegrity(db)).toEqual([]);
      // Against the large run the store checks before writing (its filter saves the page read); a writer that
      // does not is caught by the integrity check.
      expect(insertRow(db, old.id, old.journal_seq, 7)).toBe(1);
      expect(checkIntegrity(db)).toEqual(['1 transaction id(s) stored twice']);
    } finally {
      db.exec('ROLLBACK TO probe; RELEASE probe');
    }
  });

  it('deletes a purged receipt from its run and its history with it, and says so when a run is out of step', () => {
    const copy = join(root, 'copy', DATABASE_FILE);
    mkdirSync(join(root, 'copy'), { recursive: true });
    db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(file, copy);
    const c = openAt(copy, key, LEGACY_PAGE_SIZE, true);
    try {
      c.pragma('foreign_keys=ON');
      const row = c.prepare("SELECT seq, journal_seq, id FROM outbox WHERE state = 'accepted' ORDER BY seq LIMIT 1 OFFSET 100").get() as { seq: number; journal_seq: number; id: string };
      expect(c.prepare('SELECT count(*) FROM outbox_history WHERE outbox_seq = ?').pluck().get(row.seq)).toBeGreaterThan(0);
      c.prepare('DELETE FROM journal WHERE seq = ?').run(row.journal_seq);
      expect(c.prepare('SELECT count(*) FROM outbox_history WHERE outbox_seq = ?').pluck().get(row.seq)).toBe(0);
      expect(c.prepare('SELECT count(*) FROM outbox_ids WHERE seq = ?').pluck().get(row.seq)).toBe(0);
      expect(checkIntegrity(c)).toEqual([]);
      expect(() => c.prepare("UPDATE outbox SET id = 'tx_changed' WHERE seq = 2000").run()).toThrow(/keeps its id and seq/);
      c.prepare('DELETE FROM outbox_ids WHERE seq = 3000').run();
      expect(checkIntegrity(c)).toEqual(['1 outbox row(s) missing from the transaction-id index']);
    } finally {
      c.close();
    }
  });
});

describe('the store on schema 8', () => {
  let h: Harness;
  let store: Store;

  beforeAll(async () => {
    h = harness('ids');
    await h.vault.set(KEY_NAME, randomBytes(32).toString('hex'));
    store = await h.open();
  });

  afterAll(() => h.cleanup());

  it(`merges the recent run into the large one in the commit that reaches ${RECENT_IDS_MAX.toLocaleString('en-US')} ids, and finds and dedups ids in both`, () => {
    const ids: string[] = [];
    let previous: ReturnType<typeof parsed>[] = [];
    const first = job();
    for (let batch = 0; ids.length < RECENT_IDS_MAX + 700; batch++) {
      const inputs = batch === 0 ? [first] : Array.from({ length: 500 }, () => job());
      const results = store.commitBatch(inputs, previous);
      previous = results.map((r) => ({ ...parsed(r.id), seq: r.seq! }));
      ids.push(...results.map((r) => r.id));
      const stored = ids.length - results.length;
      // Before the merge the recent run holds every stored id; the commit that reaches the bound empties it.
      if (stored < RECENT_IDS_MAX) expect(recentIdCount(store.connection)).toBe(stored);
    }
    store.commitBatch([], previous);
    const large = store.connection.prepare('SELECT count(*) FROM outbox_ids').pluck().get() as number;
    const recent = recentIdCount(store.connection);
    expect(large).toBeGreaterThanOrEqual(RECENT_IDS_MAX);
    expect(large + recent).toBe(ids.length);
    expect(recent).toBeLessThan(RECENT_IDS_MAX);
    // The first id is in the large run, the last in the recent one: both found, both refused a second time.
    expect(store.get(ids[0]!)!.state).toBe('pending');
    expect(store.get(ids.at(-1)!)!.state).toBe('pending');
    expect(store.journal(first).duplicate).toBe(true);
    expect([store.get(ids[0]!)!.id, store.get(ids.at(-1)!)!.id]).toEqual([ids[0], ids.at(-1)]);
    // The large run's filter was saved with the merge, so the next start loads it rather than reading every key.
    const merges = store.connection.prepare('SELECT n FROM outbox_id_merges').pluck().get();
    expect(merges).toBe(1);
    expect(store.connection.prepare('SELECT merges FROM outbox_id_filter').pluck().get()).toBe(merges);
    expect(store.integrity()).toEqual([]);
  }, 120_000);

  it('notices a merge made by another process (a CLI command beside the engine): a job stored before it is still a duplicate', async () => {
    const first = job();
    const stored = store.journal(first);
    expect(stored.duplicate).toBe(false);
    // Parsed: the job is an outbox row, no longer one awaiting its parse (which the store would know in memory).
    expect(store.recordParse({ ...parsed(stored.id), seq: stored.seq! })).toBe('pending');
    expect(recentIdCount(store.connection)).toBeGreaterThan(0);
    // Another connection to the same store moves the recent run, this job's id with it, into the large run.
    const other = await h.open();
    other.connection.transaction(() => mergeRecentIds(other.connection))();
    other.close();
    expect(recentIdCount(store.connection)).toBe(0);
    expect(store.journal(first).duplicate).toBe(true);
    expect(store.integrity()).toEqual([]);

    // A writer that merges without saving the filter (raw SQL): the saved filter no longer matches and is made again.
    const second = store.journal(job());
    store.recordParse({ ...parsed(second.id), seq: second.seq! });
    store.connection.exec('INSERT INTO outbox_ids SELECT * FROM outbox_ids_recent; DELETE FROM outbox_ids_recent; UPDATE outbox_id_merges SET n = n + 1');
    expect(store.journal({ ...first, bytes: Buffer.from(first.bytes) }).duplicate).toBe(true);
    expect(store.integrity()).toEqual([]);
  });

  it('the integrity check says so when the saved filter lacks ids of the large run', () => {
    // A merge that saves the filter (the last one above did not), then its bits lost.
    store.connection.transaction(() => mergeRecentIds(store.connection))();
    expect(store.integrity()).toEqual([]);
    const bits = store.connection.prepare('SELECT bits FROM outbox_id_filter').pluck().get() as Buffer;
    store.connection.prepare('UPDATE outbox_id_filter SET bits = ?').run(Buffer.alloc(bits.length));
    expect(store.integrity().join('; ')).toMatch(/^the saved transaction-id filter lacks \d+ id\(s\) of the large run$/);
  });
});
