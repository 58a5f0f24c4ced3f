// Schema 4 moves a full store of schema 3 (100,000 rows in every state, their history, jobs awaiting a parse) and loses nothing.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, KEY_NAME, latestVersion, MIGRATIONS, OUTBOX_STATES, openEncrypted, type Store } from '../../main/store/index.js';
import { migrate } from '../../main/store/migrations.js';
import { silentLogger } from '../../main/telemetry/log.js';
import { transactionId } from '../../main/receipts/transaction.js';
import { harness, type Harness } from './harness.js';

const ROWS = 100_000;
const AWAITING = 50;

/** A print job's bytes as a till sends them (text, so deflate applies), distinct per row. */
function jobBytes(i: number): Buffer {
  return Buffer.from(`\x1b@MAMA PUT KITCHEN LTD\nReceipt No: R-${i}\n1 Jollof Rice           2,000.00\nTOTAL                 2,150.00\n${'-'.repeat(32)}\n\x1dV\x00`, 'latin1');
}

const digest = (rows: unknown[]) => createHash('sha256').update(JSON.stringify(rows)).digest('hex');

describe('migration to schema 4 at 100,000 rows', () => {
  let h: Harness;
  let store: Store;
  const before: Record<string, string> = {};
  let counts: Record<string, number> = {};
  const awaitingIds: string[] = [];


  beforeAll(async () => {
    h = harness('migration');
    // A schema-3 database as the previous release left it (its Store could not open the new schema's statements).
    const key = randomBytes(32).toString('hex');
    await h.vault.set(KEY_NAME, key);
    mkdirSync(h.dataDir, { recursive: true });
    const file = join(h.dataDir, DATABASE_FILE);
    const db = openEncrypted(file, key);
    migrate(db, file, { migrations: MIGRATIONS.filter((m) => m.version <= 3), now: () => new Date(), log: silentLogger, close: () => db.close() });
    const journal = db.prepare('INSERT INTO journal (id, device_id, integration, captured_at, journaled_at, sha256, codepage, profile, terminal_id, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const outbox = db.prepare(
      'INSERT INTO outbox (id, device_id, state, tx_json, problems_json, attempts, last_error, irn, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const history = db.prepare('INSERT INTO outbox_history (id, from_state, to_state, at, note) VALUES (?, ?, ?, ?, ?)');
    const unparsed = db.prepare('INSERT INTO journal_unparsed (id, attempts) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < ROWS + AWAITING; i++) {
        const device = `till-${i % 3}`;
        const bytes = jobBytes(i);
        const id = transactionId(device, bytes);
        const at = new Date(Date.parse('2026-01-01T08:00:00Z') + i * 1000).toISOString();
        journal.run(id, device, 'escpos_tcp', at, at, createHash('sha256').update(bytes).digest('hex'), i % 7 === 0 ? 'WPC1252' : null, 'generic@1', `T${i % 3}`, bytes);
        if (i >= ROWS) {
          unparsed.run(id, i % 3);
          awaitingIds.push(id);
          continue;
        }
        const state = OUTBOX_STATES[i % OUTBOX_STATES.length]!;
        const tx = state === 'unparsed' ? null : JSON.stringify({ id, receipt_number: `R-${i}`, totals: { total: '2150.00', tax: '150.00' } });
        const problems = state === 'review' || state === 'rejected' ? JSON.stringify([{ code: 'x', field: 'totals', message: `problem ${i}` }]) : '[]';
        outbox.run(id, device, state, tx, problems, i % 4, state === 'rejected' ? `rejected ${i}` : null, state === 'accepted' ? `IRN-${i}` : null, at, at);
        if (state !== 'pending' && state !== 'review' && state !== 'unparsed') {
          history.run(id, 'pending', 'in_flight', at, null);
          if (state !== 'in_flight') history.run(id, 'in_flight', state, at, `note ${i}`);
        }
      }
    })();
    before.outbox = digest(db.prepare('SELECT seq, id, device_id, state, tx_json, problems_json, attempts, last_error, irn, created_at, updated_at FROM outbox ORDER BY seq').all());
    before.history = digest(db.prepare('SELECT o.id, h.from_state, h.to_state, h.at, h.note FROM outbox_history h JOIN outbox o ON o.id = h.id ORDER BY h.seq').all());
    const journalRows = db.prepare('SELECT id, device_id, integration, captured_at, journaled_at, sha256, codepage, profile, terminal_id, hex(bytes) FROM journal ORDER BY seq').raw().all();
    before.journal = digest(journalRows);
    counts = Object.fromEntries((db.prepare('SELECT state, count(*) AS n FROM outbox GROUP BY state').all() as Array<{ state: string; n: number }>).map((r) => [r.state, r.n]));
    db.close();
    store = await h.open();
  }, 600_000);

  afterAll(async () => {
    await h.cleanup();
  });

  it('keeps every outbox row, its state and its history, and counts them by state', () => {
    const db = store.connection;
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: latestVersion() });
    expect(digest(db.prepare('SELECT seq, id, device_id, state, tx_json, problems_json, attempts, last_error, irn, created_at, updated_at FROM outbox ORDER BY seq').all())).toBe(before.outbox);
    expect(digest(db.prepare('SELECT o.id, h.from_state, h.to_state, h.at, h.note FROM outbox_history h JOIN outbox o ON o.seq = h.outbox_seq ORDER BY h.seq').all())).toBe(before.history);
    expect(store.counts()).toEqual({ ...Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0])), ...counts });
    expect(store.history(transactionId('till-2', jobBytes(2)))).toEqual([
      { from: 'pending', to: 'in_flight', at: new Date(Date.parse('2026-01-01T08:00:00Z') + 2000).toISOString(), note: null },
      { from: 'in_flight', to: 'accepted', at: new Date(Date.parse('2026-01-01T08:00:00Z') + 2000).toISOString(), note: 'note 2' },
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM outbox WHERE receipt_number IS NULL AND state <> 'unparsed'").get()).toEqual({ n: 0 });
    expect(store.integrity()).toEqual([]);
  });

  it('keeps every journaled job byte for byte (now deflated on disk), and the jobs still awaiting a parse with their attempts', () => {
    const db = store.connection;
    const rows: unknown[] = [];
    const stored = db.prepare('SELECT journaled_at, codepage FROM journal WHERE seq = ?');
    for (let seq = 1; seq <= ROWS + AWAITING; seq++) {
      const device = `till-${(seq - 1) % 3}`;
      const bytes = jobBytes(seq - 1);
      const id = transactionId(device, bytes);
      const job = store.readJournal(id)!;
      const raw = stored.get(seq) as { journaled_at: string; codepage: string | null };
      rows.push([id, job.deviceId, job.integration, job.capturedAt, raw.journaled_at, job.sha256, raw.codepage, job.profile, job.terminalId, Buffer.from(job.bytes).toString('hex').toUpperCase()]);
    }
    expect(digest(rows)).toBe(before.journal);
    expect(db.prepare('SELECT count(*) AS n FROM journal WHERE encoding = 1').get()).toEqual({ n: ROWS + AWAITING });
    expect(store.unparsedJournal(1000)).toEqual(awaitingIds);
    expect(store.noteParseAttempt(awaitingIds.slice(0, 3))).toEqual([ROWS % 3, (ROWS + 1) % 3, (ROWS + 2) % 3].map((a) => a + 1));
  }, 180_000);

  it('took an encrypted backup of schema 3 first', () => {
    expect(readdirSync(h.dataDir).filter((f) => f.startsWith('bridge.db.backup-v3-'))).toHaveLength(1);
  });
});
