// The outbox's transaction ids, indexed in sorted runs: a small table of recent ids merged in key order into a large one.
//
// The id (`tx_` + 40 hex, the cloud's idempotency key, cloud-api.md §3) is a hash of the job's bytes, so a unique
// index on it takes each new receipt to a random page. Once that index outgrows the page cache (≈55 MB at 1,000,000
// rows) every batch of receipts dirtied about one 16 KiB page per receipt, and ingest into a full store fell to a
// fifth of an empty one's (issue 18 §2, bench/store.ts). Here new ids go to `outbox_ids_recent`, a few dozen pages
// that stay in the cache, and every RECENT_IDS_MAX of them are merged in key order into `outbox_ids`, touching each of
// its pages at most once per merge. Both hold the id's last 16 characters as key and the outbox row's seq; the full
// id is compared on the outbox row, so two ids sharing a key stay two receipts.
//
// Uniqueness: a trigger skips (RAISE(IGNORE), as ON CONFLICT DO NOTHING did) the insert of an id the recent run
// holds, for every writer. Against the large run the store checks before it writes: a lookup there is a random page
// (read and decrypted: ~110 µs at 1,000,000 rows with the engine's 8 MiB cache, about what a whole receipt's ingest
// costs on an empty store), so the store asks a filter first (IdFilter: no false "absent"; saved in the database with
// each merge, reloaded when another process merged) and reads the run only on a "maybe".
// The integrity check counts ids stored twice across the runs.
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Db } from './database.js';

/** Ids in the recent table before they are merged into the large one (see bench/store.ts for the trade-off). */
export const RECENT_IDS_MAX = 20_000;

/**
 * The index key of an outbox id, as SQL over `expr`: its last 16 characters (64 bits of the hash for a `tx_` id).
 * The end rather than the start, so ids made by counting (tests, imports: `tx_000…0001`) spread over keys too; ids
 * that shared one key would make every insert read all of them.
 */
export function idKey(expr: string): string {
  return `substr(${expr}, -16)`;
}

type Run = 'outbox_ids_recent' | 'outbox_ids';

/** The seqs a run holds under the key of the id bound as `@id`. */
const seqsUnderKey = (run: Run): string => `SELECT seq FROM ${run} WHERE key = ${idKey('@id')}`;

/**
 * SQL that picks the outbox row of the id bound as `@id` (named parameter) if `run` holds it: `SELECT … FROM outbox
 * WHERE ${idIn('outbox_ids')}`. The full id is compared on the row (ids may share a key).
 */
export function idIn(run: Run): string {
  return `seq IN (${seqsUnderKey(run)}) AND id = @id`;
}

/** The same, whichever run holds the id: `SELECT … FROM outbox WHERE ${BY_ID}`. */
export const BY_ID = `seq IN (${seqsUnderKey('outbox_ids_recent')} UNION ALL ${seqsUnderKey('outbox_ids')}) AND id = @id`;

/** The tables and triggers (migration 8 makes them; the outbox's own UNIQUE on id is dropped there). */
export function createIdRuns(db: Db): void {
  const stored = (run: string, id: string): string => `EXISTS (SELECT 1 FROM ${run} r JOIN outbox o ON o.seq = r.seq WHERE r.key = ${idKey(id)} AND o.id = ${id})`;
  db.exec(`
    CREATE TABLE outbox_ids (key TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq)) WITHOUT ROWID;
    CREATE TABLE outbox_ids_recent (key TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq)) WITHOUT ROWID;
    CREATE TABLE outbox_id_merges (n INTEGER NOT NULL);
    INSERT INTO outbox_id_merges (n) VALUES (0);
    CREATE TABLE outbox_id_filter (merges INTEGER NOT NULL, keys INTEGER NOT NULL, bits BLOB NOT NULL);
    INSERT INTO outbox_id_filter (merges, keys, bits) VALUES (-1, 0, x'');
    CREATE TRIGGER outbox_id_unique BEFORE INSERT ON outbox WHEN ${stored('outbox_ids_recent', 'NEW.id')}
      BEGIN SELECT RAISE(IGNORE); END;
    CREATE TRIGGER outbox_id_insert AFTER INSERT ON outbox BEGIN
      INSERT INTO outbox_ids_recent (key, seq) VALUES (${idKey('NEW.id')}, NEW.seq);
    END;
    CREATE TRIGGER outbox_id_delete AFTER DELETE ON outbox BEGIN
      DELETE FROM outbox_ids_recent WHERE key = ${idKey('OLD.id')} AND seq = OLD.seq;
      DELETE FROM outbox_ids WHERE key = ${idKey('OLD.id')} AND seq = OLD.seq;
    END;
    CREATE TRIGGER outbox_id_fixed BEFORE UPDATE OF id, seq ON outbox WHEN NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq BEGIN
      SELECT RAISE(ABORT, 'an outbox row keeps its id and seq');
    END;
  `);
}

/** Ids waiting in the recent run. */
export function recentIdCount(db: Db): number {
  return db.prepare('SELECT count(*) FROM outbox_ids_recent').pluck().get() as number;
}

/**
 * Moves the recent run into the large one in key order, inside the caller's transaction: counts the merge and saves
 * the large run's filter with it (`filter`, or one loaded here), so the filter on disk always matches the run it was
 * saved with. Returns how many ids moved.
 */
export function mergeRecentIds(db: Db, filter: IdFilter = new IdFilter()): number {
  filter.refresh(db);
  for (const key of db.prepare('SELECT key FROM outbox_ids_recent').pluck().iterate() as Iterable<string>) filter.add(key);
  const moved = db.prepare('INSERT INTO outbox_ids (key, seq) SELECT key, seq FROM outbox_ids_recent ORDER BY key, seq').run().changes;
  db.prepare('DELETE FROM outbox_ids_recent').run();
  db.prepare('UPDATE outbox_id_merges SET n = n + 1').run();
  filter.merges = mergeCount(db);
  // Grown past ~10 bits a key: made again, larger, from the run (now holding what moved).
  if (filter.overfull) filter.rebuild(db);
  filter.save(db);
  return moved;
}

/** The merge count is read at every write transaction that checks an id: its statement is prepared once per connection. */
const mergeCountOf = new WeakMap<Db, Statement>();

function mergeCount(db: Db): number {
  let statement = mergeCountOf.get(db);
  if (!statement) mergeCountOf.set(db, (statement = db.prepare('SELECT n FROM outbox_id_merges').pluck()));
  return statement.get() as number;
}

/** The key of an id as idKey() cuts it in SQL (its last 16 characters). */
export function keyOf(id: string): string {
  return id.slice(-16);
}

/**
 * Which keys the large run may hold: a Bloom filter (7 probes, at least 10 bits a key: under 1 % "maybe" for a key
 * it does not hold, never "no" for one it does). 1,000,000 ids take 1.25 to 2.5 MB. Saved in the database with the
 * merge count it matches (outbox_id_filter), so a start loads it instead of reading every key of the run; made from
 * the run when it does not match (a writer that merged without it) or has grown full.
 */
export class IdFilter {
  /** The merge count of the large run this filter holds; another count in the database means it is behind. */
  merges = -1;
  private bits = new Uint8Array(0);
  private mask = -1;
  private keys = 0;

  /** Loaded, or made from the run, as the database is now. */
  static load(db: Db): IdFilter {
    const filter = new IdFilter();
    filter.refresh(db);
    return filter;
  }

  get overfull(): boolean {
    return this.keys * 10 > this.mask + 1;
  }

  /**
   * Brought up to the database's large run (one cached page read when it already is): the saved filter when it
   * matches the run, else made from the run.
   */
  refresh(db: Db): void {
    const merges = mergeCount(db);
    if (this.merges === merges && !this.overfull) return;
    const saved = db.prepare('SELECT merges, keys, bits FROM outbox_id_filter').get() as { merges: number; keys: number; bits: Buffer } | undefined;
    if (saved && saved.merges === merges && saved.bits.length > 0 && (saved.bits.length & (saved.bits.length - 1)) === 0) {
      this.bits = new Uint8Array(saved.bits);
      this.mask = saved.bits.length * 8 - 1;
      this.keys = saved.keys;
      this.merges = merges;
      if (!this.overfull) return;
    }
    this.rebuild(db);
  }

  /** Made from the large run's keys, sized for twice as many (a scan: ~0.7 s at 1,000,000 on the 2-core test machine). */
  rebuild(db: Db): void {
    const count = db.prepare('SELECT count(*) FROM outbox_ids').pluck().get() as number;
    let size = 1 << 16;
    while (size < (2 * count + RECENT_IDS_MAX) * 10) size *= 2;
    this.bits = new Uint8Array(size / 8);
    this.mask = size - 1;
    this.keys = 0;
    for (const key of db.prepare('SELECT key FROM outbox_ids').pluck().iterate() as Iterable<string>) this.add(key);
    this.merges = mergeCount(db);
  }

  /** Written to the database, with the merge count it matches (inside the caller's transaction). */
  save(db: Db): void {
    db.prepare('UPDATE outbox_id_filter SET merges = ?, keys = ?, bits = ?').run(this.merges, this.keys, Buffer.from(this.bits.buffer, this.bits.byteOffset, this.bits.byteLength));
  }

  /** False only when the large run cannot hold `key`. */
  has(key: string): boolean {
    const [a, b] = hashes(key);
    for (let i = 0; i < 7; i++) {
      const bit = (a + i * b) & this.mask;
      if ((this.bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }

  add(key: string): void {
    this.keys++;
    const [a, b] = hashes(key);
    for (let i = 0; i < 7; i++) {
      const bit = (a + i * b) & this.mask;
      this.bits[bit >>> 3]! |= 1 << (bit & 7);
    }
  }

  /** The keys of the large run this filter would wrongly call absent (none, unless something wrote around it). */
  missing(db: Db): number {
    let n = 0;
    for (const key of db.prepare('SELECT key FROM outbox_ids').pluck().iterate() as Iterable<string>) if (!this.has(key)) n++;
    return n;
  }
}

/** Two independent 32-bit FNV-1a hashes of the key (any string: tests use short ids), the second odd. */
function hashes(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return [a >>> 0, (b | 1) >>> 0];
}

/** Outbox rows missing from both runs or in both, and run entries with no outbox row (for the integrity check). */
export function idRunProblems(db: Db): string[] {
  const problems: string[] = [];
  const missing = db
    .prepare(
      `SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM outbox_ids_recent r WHERE r.key = ${idKey('o.id')} AND r.seq = o.seq)
         AND NOT EXISTS (SELECT 1 FROM outbox_ids b WHERE b.key = ${idKey('o.id')} AND b.seq = o.seq)`,
    )
    .pluck()
    .get() as number;
  if (missing) problems.push(`${missing} outbox row(s) missing from the transaction-id index`);
  const both = db.prepare('SELECT count(*) FROM outbox_ids_recent r JOIN outbox_ids b ON b.key = r.key AND b.seq = r.seq').pluck().get() as number;
  if (both) problems.push(`${both} transaction id(s) indexed twice`);
  const twice = db
    .prepare(
      `SELECT count(*) FROM outbox_ids_recent r JOIN outbox_ids b ON b.key = r.key JOIN outbox o1 ON o1.seq = r.seq JOIN outbox o2 ON o2.seq = b.seq
       WHERE o1.id = o2.id AND o1.seq <> o2.seq`,
    )
    .pluck()
    .get() as number;
  if (twice) problems.push(`${twice} transaction id(s) stored twice`);
  const saved = db.prepare('SELECT merges FROM outbox_id_filter').pluck().get() as number | undefined;
  if (saved === mergeCount(db)) {
    const missing = IdFilter.load(db).missing(db);
    if (missing) problems.push(`the saved transaction-id filter lacks ${missing} id(s) of the large run`);
  }
  for (const run of ['outbox_ids_recent', 'outbox_ids']) {
    const orphans = db
      .prepare(`SELECT count(*) FROM ${run} r WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = r.seq AND ${idKey('o.id')} = r.key)`)
      .pluck()
      .get() as number;
    if (orphans) problems.push(`${orphans} entr(y/ies) of ${run} with no outbox row`);
  }
  return problems;
}
