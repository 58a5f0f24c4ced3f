// Numbered schema migrations: each in its own transaction, recorded, preceded by an encrypted backup and integrity checks.
import { copyFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../telemetry/log.js';
import type { Db } from './database.js';
import { moveAside, ownerOnly } from './database.js';
import { DatabaseNewerThanCode, MigrationFailed } from './errors.js';
import { OUTBOX_STATES } from './types.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
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
];

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
  for (const row of db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>) {
    problems.push(`foreign key: ${row.table} row ${row.rowid} points at a missing ${row.parent}`);
  }
  return problems;
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
 * `reopen` is called with no argument to close the connection before the file is restored.
 */
export function migrate(
  db: Db,
  file: string,
  options: { migrations?: Migration[]; now: () => Date; log: Logger; close: () => void },
): MigrationOutcome {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  const latest = latestVersion(migrations);
  const from = currentVersion(db);
  if (from > latest) throw new DatabaseNewerThanCode(file, from, latest);
  if (from === latest) return { from, to: from, backup: null };

  let backup: string | null = null;
  if (from > 0) {
    const problems = checkIntegrity(db);
    if (problems.length) throw new IntegrityFailed(problems);
    backup = backupDatabase(db, file, from, options.now());
    options.log.info('database backed up before migration', { from, to: latest, backup });
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations.filter((m) => m.version > from)) {
    try {
      db.transaction(() => {
        m.up(db);
        record.run(m.version, m.name, options.now().toISOString());
      })();
    } catch (err) {
      const reason = (err as Error).message;
      options.log.error('database migration failed', { version: m.version, step: m.name, reason });
      if (backup && existsSync(backup)) {
        options.close();
        moveAside(file, 'failed-migration', options.now());
        copyFileSync(backup, file);
      }
      throw new MigrationFailed(m.version, m.name, backup, reason);
    }
    options.log.info('database migrated', { version: m.version, step: m.name });
  }
  return { from, to: latest, backup };
}
