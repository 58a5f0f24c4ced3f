// A store as schema 5 left it, built by bulk SQL, and a digest of every row: shared by the tests of the migrations after it.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { applyCipher, LEGACY_PAGE_SIZE, MIGRATIONS, OUTBOX_STATES, tuneConnection } from '../../main/store/index.js';
import { migrate } from '../../main/store/migrations.js';
import { silentLogger } from '../../main/telemetry/log.js';

/** The outbox states schema 5 knew ('reading' came with schema 7). */
export const LEGACY_STATES = OUTBOX_STATES.filter((s) => s !== 'reading');

/**
 * A store as schema 5 and before left it: 4 KiB pages, `rows` receipts cycling through every state, history
 * for each move, jobs awaiting their parse, staged capture bytes and an alert. Built by bulk SQL.
 */
export function legacyStore(file: string, key: string, rows: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  applyCipher(db, key, LEGACY_PAGE_SIZE);
  tuneConnection(db);
  migrate(db, file, { migrations: MIGRATIONS.filter((m) => m.version < 6), now: () => new Date('2026-11-01T00:00:00Z'), log: silentLogger, close: () => db.close() });
  const states = JSON.stringify(LEGACY_STATES);
  const series = `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${rows})`;
  const at = `strftime('%Y-%m-%dT%H:%M:%S.000Z', 1767254400 + x * 7, 'unixepoch')`;
  db.transaction(() => {
    db.exec(`${series} INSERT INTO journal (seq, device_id, integration, captured_at, journaled_at, sha256, size, encoding, codepage, parsed, parse_attempts, bytes)
             SELECT x, 'till-' || (x % 3), 'escpos_tcp', ${at}, ${at}, lower(hex(randomblob(32))), 300 + x % 50, 0, CASE WHEN x % 7 = 0 THEN 'WPC1252' END,
                    CASE WHEN x > ${rows - 40} THEN 0 ELSE 1 END, x % 3, randomblob(300 + x % 50) FROM n`);
    db.exec(`${series} INSERT INTO outbox (seq, id, journal_seq, receipt_index, byte_start, byte_end, codepage, device_id, state, receipt_number, tx_json, problems_json,
                                          attempts, last_error, irn, created_at, updated_at)
             SELECT x, 'tx_' || lower(hex(randomblob(20))), x, 0, 0, 300 + x % 50, CASE WHEN x % 11 = 0 THEN 'CP858' END, 'till-' || (x % 3),
                    json_extract('${states}', '$[' || (x % 7) || ']'), 'R-' || x, CASE WHEN x % 7 = 6 THEN NULL ELSE json_object('id', x, 'total', x * 1.5) END,
                    CASE WHEN x % 7 IN (4, 5) THEN json_array(json_object('code', 'x', 'message', 'problem ' || x)) ELSE '[]' END,
                    x % 4, CASE WHEN x % 7 = 4 THEN 'rejected ' || x END, CASE WHEN x % 7 = 2 THEN 'IRN-' || x END, ${at}, ${at}
             FROM n WHERE x <= ${rows - 40}`);
    db.exec(`INSERT INTO outbox_history (outbox_seq, from_state, to_state, at, note)
             SELECT seq, 'pending', 'in_flight', created_at, NULL FROM outbox WHERE state IN ('in_flight', 'accepted', 'duplicate', 'rejected')`);
    db.exec(`INSERT INTO outbox_history (outbox_seq, from_state, to_state, at, note)
             SELECT seq, 'in_flight', state, updated_at, 'note ' || seq FROM outbox WHERE state IN ('accepted', 'duplicate', 'rejected')`);
    db.exec(`INSERT INTO capture_chunks (stream, device_id, integration, start, bytes, at) VALUES ('tcp:1', 'till-1', 'escpos_tcp', 0, randomblob(64), '2026-11-01T00:00:00.000Z')`);
    db.exec(`INSERT INTO alerts (code, severity, message, raised_at) VALUES ('disk_full', 'error', 'an old alert', '2026-11-01T00:00:00.000Z')`);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** A digest of every row of every table (schema_migrations aside: it gains a row), and the row counts. */
export function contents(db: Database.Database): { digests: Record<string, string>; rows: Record<string, number> } {
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`).all() as Array<{ name: string }>).map((t) => t.name);
  const digests: Record<string, string> = {};
  const rows: Record<string, number> = {};
  for (const t of tables) {
    const hash = createHash('sha256');
    let n = 0;
    for (const row of db.prepare(`SELECT * FROM "${t}" ORDER BY 1`).raw().iterate() as Iterable<unknown[]>) {
      hash.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? v.toString() : v)));
      n++;
    }
    digests[t] = hash.digest('hex');
    rows[t] = n;
  }
  return { digests, rows };
}

export function openAt(file: string, key: string, pageSize: number, writable = false): Database.Database {
  const db = new Database(file, { readonly: !writable });
  applyCipher(db, key, pageSize);
  return db;
}

