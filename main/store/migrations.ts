// Numbered schema migrations: each in its own transaction, recorded, preceded by an encrypted backup and integrity checks.
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../telemetry/log.js';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Db } from './database.js';
import { applyCipher, moveAside, ownerOnly, PAGE_SIZE, pageSizeOf } from './database.js';
import { DatabaseNewerThanCode, MigrationFailed } from './errors.js';
import { packBytes } from './bytes.js';
import { OUTBOX_STATES } from './types.js';
import { createIdRuns, IdFilter, idKey, idRunProblems } from './ids.js';

export interface Migration {
  version: number;
  name: string;
  /** Runs inside the migration's transaction. */
  up(db: Db): void;
  /**
   * A migration that writes the database anew into another file (a new page size cannot be set in place):
   * runs outside any transaction, makes `into` whole (its schema_migrations row included) and returns;
   * migrate() then swaps the files.
   */
  rewrite?: (from: Db, into: string, keyHex: string, record: (db: Db) => void) => void;
  /**
   * Runs with foreign keys off (set outside the transaction, SQLite's procedure for rebuilding a table others
   * reference: dropping the old table must not cascade), checked with foreign_key_check before the commit.
   */
  rebuildsReferencedTable?: boolean;
}

const states = OUTBOX_STATES.map((s) => `'${s}'`).join(', ');

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'journal, outbox, state history, alerts',
    up(db) {
      db.exec(`
        CREATE TABLE journal (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          device_id TEXT NOT NULL,
          integration TEXT NOT NULL,
          captured_at TEXT NOT NULL,
          journaled_at TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          codepage TEXT,
          profile TEXT,
          terminal_id TEXT,
          bytes BLOB NOT NULL
        );
        -- Journaled jobs whose parse is not recorded yet (a crash between the two): parsed again at start,
        -- a few attempts at most (a job that crashes the parser must not crash every start).
        CREATE TABLE journal_unparsed (id TEXT PRIMARY KEY, attempts INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
        CREATE TABLE outbox (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE REFERENCES journal(id) ON DELETE CASCADE,
          device_id TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN (${states})),
          tx_json TEXT,
          problems_json TEXT NOT NULL DEFAULT '[]',
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          irn TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX outbox_state ON outbox(state, seq);
        CREATE TABLE outbox_history (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL,
          from_state TEXT,
          to_state TEXT NOT NULL,
          at TEXT NOT NULL,
          note TEXT
        );
        CREATE INDEX outbox_history_id ON outbox_history(id, seq);
        CREATE TABLE alerts (
          seq INTEGER PRIMARY KEY,
          code TEXT NOT NULL,
          severity TEXT NOT NULL,
          message TEXT NOT NULL,
          moved_to TEXT,
          raised_at TEXT NOT NULL,
          resolved_at TEXT
        );
      `);
    },
  },
  {
    version: 2,
    name: 'outbox indexes for the receipts screen (device, date, receipt number)',
    up(db) {
      db.exec(`
        CREATE INDEX receipts_view_outbox_device ON outbox(device_id, seq);
        CREATE INDEX receipts_view_outbox_created ON outbox(created_at);
        CREATE INDEX receipts_view_outbox_number ON outbox(lower(json_extract(tx_json, '$.receipt_number')), seq);
      `);
    },
  },
  {
    version: 3,
    name: 'capture staging: bytes of unfinished receipts, durable as they arrive',
    up(db) {
      // One row per chunk read from a device stream (a port, or one lane of a virtual printer). A job's
      // journal commit releases the bytes it covers; what is left at start-up is a receipt cut short by a crash.
      db.exec(`
        CREATE TABLE capture_chunks (
          seq INTEGER PRIMARY KEY,
          stream TEXT NOT NULL,
          device_id TEXT NOT NULL,
          integration TEXT NOT NULL,
          start INTEGER NOT NULL,
          bytes BLOB NOT NULL,
          at TEXT NOT NULL
        );
        CREATE INDEX capture_chunks_stream ON capture_chunks(stream, start);
      `);
    },
  },
  {
    version: 4,
    name: 'integer keys, one journal row per print job and one outbox row per receipt, columns for the receipts screen, compressed bytes, counts by state',
    up: integerKeys,
  },
  {
    version: 5,
    name: 'source address of a virtual-printer lane on journaled jobs and staged bytes',
    up(db) {
      // The transaction's source.address (cloud-api.md §3): kept with the bytes so a restart's recovery and
      // `queue reprocess` give the same transaction. Not part of any id. Serial devices leave it NULL.
      db.exec(`
        ALTER TABLE journal ADD COLUMN address TEXT;
        ALTER TABLE capture_chunks ADD COLUMN address TEXT;
      `);
    },
  },
  {
    version: 6,
    name: `${PAGE_SIZE / 1024} KiB pages: the database re-encrypted into a new file`,
    up() {
      // A database made at this page size already (every new one) has nothing to rewrite.
    },
    rewrite: rewritePages,
  },
  {
    version: 7,
    name: "outbox state 'reading' and the words read from pictures: receipts printed as pictures wait there while their text is read (OCR)",
    up: readingState,
  },
  {
    version: 8,
    name: 'transaction ids indexed in sorted runs (a small recent run merged in key order into a large one) instead of a unique index',
    up: transactionIdRuns,
    rebuildsReferencedTable: true,
  },
];

/**
 * Schema 8 (issue 18 §2, main/store/ids.ts): the outbox is rebuilt without its UNIQUE on id (an automatic index
 * cannot be dropped), every other index and trigger as it was, and the ids of the rows it holds are written to the
 * large run in key order. History and its cascade are untouched: foreign keys are off while the table is swapped.
 */
function transactionIdRuns(db: Db): void {
  const table = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'outbox'").pluck().get() as string;
  const head = /^CREATE TABLE "?outbox"? \(/;
  const uniqueId = /\bid TEXT NOT NULL UNIQUE,/;
  if (!head.test(table) || !uniqueId.test(table)) throw new Error('the outbox table is not the one schema 7 made (no unique id column)');
  const dependents = db
    .prepare("SELECT sql FROM sqlite_schema WHERE tbl_name = 'outbox' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid")
    .pluck()
    .all() as string[];
  const columns = (db.prepare("SELECT name FROM pragma_table_info('outbox')").pluck().all() as string[]).map((c) => `"${c}"`).join(', ');
  db.exec(table.replace(head, 'CREATE TABLE outbox_v8 (').replace(uniqueId, 'id TEXT NOT NULL,'));
  db.exec(`INSERT INTO outbox_v8 (${columns}) SELECT ${columns} FROM outbox ORDER BY seq`);
  db.exec('DROP TABLE outbox');
  db.exec('ALTER TABLE outbox_v8 RENAME TO outbox');
  for (const sql of dependents) db.exec(sql);
  createIdRuns(db);
  db.exec(`INSERT INTO outbox_ids (key, seq) SELECT ${idKey('id')}, seq FROM outbox ORDER BY 1, 2`);
  IdFilter.load(db).save(db);
}

/**
 * Schema 7 (issue 16 §4): the outbox's state CHECK takes every state of OUTBOX_STATES. Widening a CHECK
 * changes no stored row, so the table's definition is rewritten in place (SQLite's documented
 * writable_schema procedure for loosening a constraint) instead of copying an outbox of millions of rows.
 */
function readingState(db: Db): void {
  const row = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'outbox'").get() as { sql: string };
  const check = /CHECK \(state IN \([^)]*\)\)/;
  if (!check.test(row.sql)) throw new Error('the outbox table has no state CHECK to widen');
  const sql = row.sql.replace(check, `CHECK (state IN (${states}))`);
  if (sql !== row.sql) {
    const version = db.pragma('schema_version', { simple: true }) as number;
    db.unsafeMode(true);
    try {
      db.pragma('writable_schema = ON');
      db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'outbox'").run(sql);
      db.pragma(`schema_version = ${version + 1}`);
      db.pragma('writable_schema = OFF');
    } finally {
      db.unsafeMode(false);
    }
  }
  db.exec(`INSERT OR IGNORE INTO outbox_counts (state, n) VALUES ${OUTBOX_STATES.map((s) => `('${s}', 0)`).join(', ')}`);
  // Each word read from the receipt's pictures with the engine's confidence, for the app's paper view (card numbers masked).
  const columns = db.prepare('SELECT name FROM pragma_table_info(\'outbox\')').all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'ocr_json')) db.exec('ALTER TABLE outbox ADD COLUMN ocr_json TEXT');
}

/**
 * Schema 4 (issue 13 §1, issue 18 §2, issue 16 §6). The write path touches one randomly placed index
 * entry per receipt (the `tx_…` id, the cloud's idempotency key) instead of four:
 * - the journal is keyed by its seq alone; the bytes of a print job are kept once, deflated when that is
 *   smaller (sha256 and ids are of the bytes as printed), with a flag for "parse not recorded yet" instead
 *   of insert-then-delete rows in journal_unparsed (a partial index holds only the few awaiting rows);
 * - each receipt of a job is an outbox row pointing at the job's journal row and its byte range;
 * - history is keyed by the outbox row's seq (time-ordered), and cascades with it;
 * - the receipt number is a column (no json_extract index); rows per state are kept by triggers.
 */
function integerKeys(db: Db): void {
  db.exec(`
    CREATE TABLE journal_v4 (
      seq INTEGER PRIMARY KEY,
      device_id TEXT NOT NULL,
      integration TEXT NOT NULL,
      captured_at TEXT NOT NULL,
      journaled_at TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      size INTEGER NOT NULL,
      encoding INTEGER NOT NULL DEFAULT 0,
      codepage TEXT,
      profile TEXT,
      terminal_id TEXT,
      parsed INTEGER NOT NULL DEFAULT 0,
      parse_attempts INTEGER NOT NULL DEFAULT 0,
      bytes BLOB NOT NULL
    );
    CREATE TABLE outbox_v4 (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      journal_seq INTEGER NOT NULL REFERENCES journal_v4(seq) ON DELETE CASCADE,
      receipt_index INTEGER NOT NULL,
      byte_start INTEGER NOT NULL,
      byte_end INTEGER NOT NULL,
      codepage TEXT,
      device_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN (${states})),
      receipt_number TEXT,
      tx_json TEXT,
      problems_json TEXT NOT NULL DEFAULT '[]',
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      irn TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (journal_seq, receipt_index)
    );
    CREATE TABLE outbox_history_v4 (
      seq INTEGER PRIMARY KEY,
      outbox_seq INTEGER NOT NULL REFERENCES outbox_v4(seq) ON DELETE CASCADE,
      from_state TEXT,
      to_state TEXT NOT NULL,
      at TEXT NOT NULL,
      note TEXT
    );
  `);
  const read = db.prepare('SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT 500');
  const write = db.prepare(
    `INSERT INTO journal_v4 (seq, device_id, integration, captured_at, journaled_at, sha256, size, encoding, codepage, profile, terminal_id, bytes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  type Old = { seq: number; device_id: string; integration: string; captured_at: string; journaled_at: string; sha256: string; codepage: string | null; profile: string | null; terminal_id: string | null; bytes: Buffer };
  for (let after = 0; ; ) {
    const rows = read.all(after) as Old[];
    if (rows.length === 0) break;
    for (const r of rows) {
      const packed = packBytes(r.bytes);
      write.run(r.seq, r.device_id, r.integration, r.captured_at, r.journaled_at, r.sha256, r.bytes.length, packed.encoding, r.codepage, r.profile, r.terminal_id, packed.stored);
    }
    after = rows[rows.length - 1]!.seq;
  }
  db.exec(`
    UPDATE journal_v4 SET parse_attempts = u.attempts FROM journal_unparsed u JOIN journal j ON j.id = u.id WHERE journal_v4.seq = j.seq;
    UPDATE journal_v4 SET parsed = 1 FROM journal j JOIN outbox o ON o.id = j.id WHERE journal_v4.seq = j.seq;
    INSERT INTO outbox_v4 (seq, id, journal_seq, receipt_index, byte_start, byte_end, device_id, state, receipt_number, tx_json, problems_json,
                           attempts, last_error, irn, created_at, updated_at)
      SELECT o.seq, o.id, j.seq, 0, 0, length(j.bytes), o.device_id, o.state, json_extract(o.tx_json, '$.receipt_number'), o.tx_json, o.problems_json,
             o.attempts, o.last_error, o.irn, o.created_at, o.updated_at
      FROM outbox o JOIN journal j ON j.id = o.id ORDER BY o.seq;
    INSERT INTO outbox_history_v4 (seq, outbox_seq, from_state, to_state, at, note)
      SELECT h.seq, o.seq, h.from_state, h.to_state, h.at, h.note FROM outbox_history h JOIN outbox o ON o.id = h.id ORDER BY h.seq;
    DROP TABLE outbox_history;
    DROP TABLE outbox;
    DROP TABLE journal_unparsed;
    DROP TABLE journal;
    ALTER TABLE journal_v4 RENAME TO journal;
    ALTER TABLE outbox_v4 RENAME TO outbox;
    ALTER TABLE outbox_history_v4 RENAME TO outbox_history;
    CREATE INDEX journal_awaiting_parse ON journal(seq) WHERE parsed = 0;
    CREATE INDEX outbox_state ON outbox(state, seq);
    CREATE INDEX receipts_view_outbox_device ON outbox(device_id, seq);
    CREATE INDEX receipts_view_outbox_created ON outbox(created_at);
    CREATE INDEX receipts_view_outbox_number ON outbox(receipt_number);
    CREATE INDEX outbox_history_row ON outbox_history(outbox_seq, seq);
  `);
  db.exec(`
    CREATE TABLE outbox_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO outbox_counts (state, n) VALUES ${OUTBOX_STATES.map((s) => `('${s}', 0)`).join(', ')};
    UPDATE outbox_counts SET n = (SELECT count(*) FROM outbox WHERE outbox.state = outbox_counts.state);
    CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox BEGIN
      UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
    END;
    CREATE TRIGGER outbox_counts_delete AFTER DELETE ON outbox BEGIN
      UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
    END;
    CREATE TRIGGER outbox_counts_move AFTER UPDATE OF state ON outbox WHEN OLD.state <> NEW.state BEGIN
      UPDATE outbox_counts SET n = n - 1 WHERE state = OLD.state;
      UPDATE outbox_counts SET n = n + 1 WHERE state = NEW.state;
    END;
  `);
}

/**
 * Migration 6 (issue 18 §2): every table, index and trigger copied, in key order, into a new file made at
 * PAGE_SIZE, which then replaces the database. The old file is never written: a crash before the swap leaves
 * it whole at the previous schema (and the half-made copy is removed at the next start).
 */
function rewritePages(from: Db, into: string, keyHex: string, record: (db: Db) => void): void {
  rmSync(into, { force: true });
  rmSync(`${into}-journal`, { force: true });
  const fresh = new Database(into);
  try {
    applyCipher(fresh, keyHex, PAGE_SIZE);
    fresh.pragma('journal_mode=DELETE');
    fresh.pragma('synchronous=FULL');
    fresh.pragma('temp_store=MEMORY');
    fresh.pragma('cache_size=-65536');
    // The old file is attached read-only at its own page size (the default for attachments, set after main is keyed).
    fresh.pragma(`legacy_page_size=${pageSizeOf(from)}`);
    fresh.prepare(`ATTACH ? AS old KEY "x'${keyHex}'"`).run(from.name);
    const objects = fresh.prepare(`SELECT type, name, sql FROM old.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid`).all() as Array<{
      type: string;
      name: string;
      sql: string;
    }>;
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    fresh.transaction(() => {
      for (const t of objects.filter((o) => o.type === 'table')) {
        fresh.exec(t.sql);
        fresh.exec(`INSERT INTO main.${quote(t.name)} SELECT * FROM old.${quote(t.name)}`);
      }
      // Indexes and triggers after the rows: each index built once, no trigger fired by the copy.
      for (const o of objects.filter((o) => o.type !== 'table')) fresh.exec(o.sql);
      for (const t of objects.filter((o) => o.type === 'table')) {
        const count = (schema: string) => (fresh.prepare(`SELECT count(*) AS n FROM ${schema}.${quote(t.name)}`).get() as { n: number }).n;
        if (count('main') !== count('old')) throw new Error(`table ${t.name} lost rows in the copy`);
      }
      record(fresh);
    })();
    fresh.exec('DETACH old');
  } finally {
    fresh.close();
  }
  const fd = openSync(into, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function latestVersion(migrations: Migration[] = MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

export function currentVersion(db: Db): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** `PRAGMA integrity_check` and `foreign_key_check`: the problems found, empty when the database is sound. */
export function checkIntegrity(db: Db): string[] {
  const problems: string[] = [];
  for (const row of db.pragma('integrity_check') as Array<{ integrity_check: string }>) {
    if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
  }
  problems.push(...checkForeignKeys(db));
  const hasIdRuns = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'outbox_ids'").get() !== undefined;
  if (hasIdRuns) problems.push(...idRunProblems(db));
  return problems;
}

function checkForeignKeys(db: Db): string[] {
  return (db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>).map(
    (row) => `foreign key: ${row.table} row ${row.rowid} points at a missing ${row.parent}`,
  );
}

const BACKUPS_KEPT = 3;

/** An online, encrypted copy (VACUUM INTO keeps the source's cipher and key in SQLite3MultipleCiphers). */
export function backupDatabase(db: Db, file: string, version: number, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = `${file}.backup-v${version}-${stamp}`;
  db.exec(`VACUUM INTO '${target.replace(/'/g, "''")}'`);
  ownerOnly(target);
  const prefix = `${basename(file)}.backup-v`;
  const old = readdirSync(dirname(file))
    .filter((f) => f.startsWith(prefix))
    .sort((a, b) => (a < b ? 1 : -1))
    .slice(BACKUPS_KEPT);
  for (const f of old) rmSync(join(dirname(file), f), { force: true });
  return target;
}

export interface MigrationOutcome {
  from: number;
  to: number;
  backup: string | null;
  /** The connection to go on with: a new one when a migration rewrote the file. */
  db: Db;
}

export class IntegrityFailed extends Error {
  readonly code = 'integrity_failed';
  constructor(readonly problems: string[]) {
    super(`the integrity check found ${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}`);
    this.name = 'IntegrityFailed';
  }
}

/**
 * Brings the database to the newest schema. Refuses a newer database untouched. A failed step
 * rolls back; the database is then restored from the pre-migration backup and MigrationFailed thrown.
 * `close` closes the connection (before the file is restored or replaced); `reopen` opens the file again
 * after a migration rewrote it, and `key` is what the rewrite encrypts with.
 */
export function migrate(
  db: Db,
  file: string,
  options: { migrations?: Migration[]; now: () => Date; log: Logger; close: () => void; reopen?: () => Db; key?: string },
): MigrationOutcome {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  const latest = latestVersion(migrations);
  const from = currentVersion(db);
  if (from > latest) throw new DatabaseNewerThanCode(file, from, latest);
  if (from === latest) return { from, to: from, backup: null, db };

  let backup: string | null = null;
  if (from > 0) {
    const problems = checkIntegrity(db);
    if (problems.length) throw new IntegrityFailed(problems);
    backup = backupDatabase(db, file, from, options.now());
    options.log.info('database backed up before migration', { from, to: latest, backup });
  }
  for (const m of migrations.filter((m) => m.version > from)) {
    const record = (target: Db) =>
      target.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, options.now().toISOString());
    try {
      if (m.rewrite && pageSizeOf(db) !== PAGE_SIZE) db = rewriteFile(db, file, m, record, options);
      else {
        if (m.rebuildsReferencedTable) db.pragma('foreign_keys=OFF');
        try {
          db.transaction(() => {
            m.up(db);
            const broken = m.rebuildsReferencedTable ? checkForeignKeys(db) : [];
            if (broken.length) throw new Error(`the rebuilt tables break ${broken.length} reference(s): ${broken.slice(0, 3).join('; ')}`);
            record(db);
          })();
        } finally {
          if (m.rebuildsReferencedTable) db.pragma('foreign_keys=ON');
        }
      }
    } catch (err) {
      const reason = (err as Error).message;
      options.log.error('database migration failed', { version: m.version, step: m.name, reason });
      if (backup && existsSync(backup)) {
        if (db.open) options.close();
        moveAside(file, 'failed-migration', options.now());
        copyFileSync(backup, file);
      }
      throw new MigrationFailed(m.version, m.name, backup, reason);
    }
    options.log.info('database migrated', { version: m.version, step: m.name });
  }
  return { from, to: latest, backup, db };
}

/**
 * Runs a rewriting migration into `<file>.rewrite`, then swaps it in: the old file leaves WAL mode (its WAL
 * copied in and removed, so no stale WAL can meet the new file), is closed, and the new file is renamed over
 * it. Until the rename the old file is the database; after it, the new one, at the new schema version.
 */
function rewriteFile(db: Db, file: string, m: Migration, record: (db: Db) => void, options: { close: () => void; reopen?: () => Db; key?: string; log: Logger }): Db {
  if (!options.key || !options.reopen) throw new Error('a rewriting migration needs the key and a way to reopen the database');
  const into = `${file}.rewrite`;
  const started = Date.now();
  const previousPageSize = pageSizeOf(db);
  try {
    m.rewrite!(db, into, options.key, record);
  } catch (err) {
    rmSync(into, { force: true });
    throw err;
  }
  db.pragma('journal_mode=DELETE');
  options.close();
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
  renameSync(into, file);
  ownerOnly(file);
  syncDirectory(dirname(file));
  options.log.info('database rewritten', { version: m.version, step: m.name, ms: Date.now() - started, pageSize: PAGE_SIZE, previousPageSize });
  return options.reopen();
}

/** Makes a rename durable (POSIX); Windows has no directory handles to sync. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
