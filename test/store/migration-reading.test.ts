// Schema 7 widens the outbox's state CHECK for `reading` in place: a store of the previous schema keeps its rows and takes receipts printed as pictures.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestJob } from '../../main/engine/pipeline.js';
import { DATABASE_FILE, KEY_NAME, MIGRATIONS, latestVersion, openEncrypted } from '../../main/store/index.js';
import { migrate } from '../../main/store/migrations.js';
import { silentLogger } from '../../main/telemetry/log.js';
import { rasterJob, toGsV0, randomBitmap } from '../support/raster-escpos.js';
import { harness } from './harness.js';
import { receiptJob } from './receipt.js';

const h = harness('migration-reading');
afterAll(() => h.cleanup());

const OLD_CHECK = "CHECK (state IN ('pending', 'in_flight', 'accepted', 'duplicate', 'rejected', 'review', 'unparsed'))";

describe('migration to schema 7', () => {
  it("keeps the rows of a store whose outbox knew no 'reading', and then stores receipts printed as pictures as reading", async () => {
    const key = randomBytes(32).toString('hex');
    await h.vault.set(KEY_NAME, key);
    mkdirSync(h.dataDir, { recursive: true });
    const file = join(h.dataDir, DATABASE_FILE);
    const db = openEncrypted(file, key);
    migrate(db, file, { migrations: MIGRATIONS.filter((m) => m.version <= 4), now: () => new Date(), log: silentLogger, close: () => db.close() });
    // The outbox exactly as schema 4 created it before this release's state list.
    const sql = (db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'outbox'").get() as { sql: string }).sql.replace(/CHECK \(state IN \([^)]*\)\)/, OLD_CHECK);
    const version = db.pragma('schema_version', { simple: true }) as number;
    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
    db.prepare("UPDATE sqlite_schema SET sql = ? WHERE name = 'outbox'").run(sql);
    db.pragma(`schema_version = ${version + 1}`);
    db.pragma('writable_schema = OFF');
    db.unsafeMode(false);
    db.exec("DELETE FROM outbox_counts WHERE state = 'reading'");
    db.close();

    let store = await h.open();
    const text = ingestJob(store, { deviceId: 'till-1', integration: 'escpos_serial', bytes: receiptJob({ number: '7007' }), capturedAt: new Date().toISOString() });
    expect(text.receipts[0]!.state).toBe('pending');
    store.close();

    // Reopened: the migrated schema is the latest, the CHECK takes 'reading', and still refuses a state that is none.
    store = await h.open();
    const conn = store.connection;
    expect(conn.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: latestVersion() });
    expect((conn.prepare("SELECT sql FROM sqlite_schema WHERE name = 'outbox'").get() as { sql: string }).sql).toContain("'reading'");
    const picture = rasterJob(toGsV0(randomBitmap(384, 200, 7, 0.1)));
    const raster = ingestJob(store, { deviceId: 'till-1', integration: 'escpos_serial', bytes: picture, capturedAt: new Date().toISOString() });
    expect(raster.receipts[0]!.state).toBe('reading');
    expect(store.counts()).toMatchObject({ pending: 1, reading: 1 });
    expect(() => conn.prepare("UPDATE outbox SET state = 'lost' WHERE id = ?").run(raster.job)).toThrow(/CHECK constraint failed/);
    expect(store.get(text.job)!.transaction!.receipt_number).toBe('7007');
    expect(store.integrity()).toEqual([]);
  });
});
