// When things go wrong nothing is lost: key missing, wrong key, corruption, locked keychain, migrations, a newer schema.
import { existsSync, openSync, readdirSync, readFileSync, closeSync, writeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  DatabaseNewerThanCode,
  MIGRATIONS,
  MigrationFailed,
  latestVersion,
  openEncrypted,
  type Migration,
} from '../../main/store/index.js';
import { KeychainUnavailable, type Vault } from '../../main/vault/index.js';
import { harness, job, type Harness } from './harness.js';
import { parsed } from './sample.js';

const V = latestVersion();
let h: Harness;
beforeEach(() => {
  h = harness('recovery');
});
afterEach(async () => {
  await h.cleanup();
});

function movedFiles(reason: string): string[] {
  return readdirSync(h.dataDir).filter((f) => f.startsWith(`bridge.db.${reason}-`) && !f.endsWith('-wal') && !f.endsWith('-shm'));
}

async function storeWithOneJob(): Promise<{ id: string; key: string }> {
  const store = await h.open();
  const { id } = store.journal(job('till-1', 'KEEP ME'));
  store.recordParse(parsed(id));
  store.close();
  return { id, key: (await h.vault.get('database-key'))! };
}

describe('store recovery', () => {
  it('moves the database aside (never deletes it) when its key is gone from an unlocked keychain, and says how to recover', async () => {
    const { id, key } = await storeWithOneJob();
    await h.vault.delete('database-key');
    const store = await h.open();
    const [moved] = movedFiles('key-missing');
    expect(moved).toBeDefined();
    expect(store.counts().pending).toBe(0);
    const alert = store.alerts.find((a) => a.code === 'database_key_missing')!;
    expect(alert.movedTo).toBe(join(h.dataDir, moved!));
    expect(alert.message).toMatch(/restore the keychain entry "database-key"/);
    expect(await h.vault.get('database-key')).not.toBe(key);
    // The moved database still holds the job, readable with the old key.
    const old = openEncrypted(join(h.dataDir, moved!), key);
    expect(old.prepare('SELECT id FROM outbox').all()).toEqual([{ id }]);
    old.close();
    // The alert outlives the process.
    store.close();
    expect((await h.open()).alerts.map((a) => a.code)).toContain('database_key_missing');
  });

  it('touches nothing when the keychain is locked and answers "no such entry"', async () => {
    await storeWithOneJob();
    const size = statSync(join(h.dataDir, 'bridge.db')).size;
    const locked: Vault = {
      service: h.vault.service,
      get: async () => null,
      set: async () => {
        throw new KeychainUnavailable('locked');
      },
      delete: async () => false,
      probe: async () => {
        throw new KeychainUnavailable('it is locked');
      },
    };
    await expect(h.open({ vault: locked })).rejects.toBeInstanceOf(KeychainUnavailable);
    expect(movedFiles('key-missing')).toEqual([]);
    expect(statSync(join(h.dataDir, 'bridge.db')).size).toBe(size);
    const store = await h.open();
    expect(store.counts().pending).toBe(1);
    expect(store.alerts).toEqual([]);
  });

  it('moves aside a database the keychain key does not open', async () => {
    await storeWithOneJob();
    await h.vault.set('database-key', randomBytes(32).toString('hex'));
    const store = await h.open();
    expect(movedFiles('unreadable')).toHaveLength(1);
    expect(store.alerts.map((a) => a.code)).toEqual(['database_unreadable']);
    expect(store.integrity()).toEqual([]);
  });

  it('moves aside a corrupt database after an integrity check and starts a new one', async () => {
    const store0 = await h.open();
    for (let i = 0; i < 200; i++) store0.journal(job());
    store0.connection.pragma('wal_checkpoint(TRUNCATE)');
    store0.close();
    const file = join(h.dataDir, 'bridge.db');
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(4096 * 3), 0, 4096 * 3, 4096 * 20);
    closeSync(fd);
    const store = await h.open();
    expect(store.alerts.map((a) => a.code)).toEqual(['database_corrupt']);
    expect(store.alerts[0]!.message).toMatch(/failed its integrity check.*moved to .*not deleted/);
    expect(movedFiles('corrupt')).toHaveLength(1);
    expect(store.unparsedJournal()).toEqual([]);
    expect(store.integrity()).toEqual([]);
  });

  it('backs the database up, encrypted, before a migration and records the step', async () => {
    const { id, key } = await storeWithOneJob();
    const next: Migration = { version: V + 1, name: 'add outbox note', up: (db) => db.exec('ALTER TABLE outbox ADD COLUMN note TEXT') };
    const store = await h.open({ migrations: [...MIGRATIONS, next] });
    expect(store.get(id)!.state).toBe('pending');
    expect(store.connection.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
      ...MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      { version: V + 1, name: 'add outbox note' },
    ]);
    const backups = readdirSync(h.dataDir).filter((f) => f.startsWith(`bridge.db.backup-v${V}-`));
    expect(backups).toHaveLength(1);
    const bytes = readFileSync(join(h.dataDir, backups[0]!));
    expect(bytes.includes('KEEP ME')).toBe(false);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toContain('SQLite format');
    const copy = openEncrypted(join(h.dataDir, backups[0]!), key);
    expect(copy.prepare('SELECT id FROM outbox').all()).toEqual([{ id }]);
    copy.close();
  });

  it('rolls a failed migration step back and puts the database back as it was, with a clear error', async () => {
    const { id } = await storeWithOneJob();
    const v2: Migration = { version: V + 1, name: 'add column', up: (db) => db.exec('ALTER TABLE outbox ADD COLUMN extra TEXT') };
    const v3: Migration = {
      version: V + 2,
      name: 'broken step',
      up: (db) => {
        db.exec('DELETE FROM outbox');
        throw new Error('boom');
      },
    };
    const err = await h.open({ migrations: [...MIGRATIONS, v2, v3] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationFailed);
    expect((err as MigrationFailed).message).toMatch(new RegExp(`schema ${V + 2} \\(broken step\\) failed: boom.*backup`));
    expect(existsSync((err as MigrationFailed).backup!)).toBe(true);
    // The old code opens the restored database: its schema, the job still there.
    const store = await h.open();
    expect(store.get(id)!.state).toBe('pending');
    expect(store.connection.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: V });
    expect(store.integrity()).toEqual([]);
  });

  it('refuses a database newer than the code and leaves it untouched', async () => {
    const { id } = await storeWithOneJob();
    const v9: Migration = { version: V + 7, name: 'future', up: () => undefined };
    (await h.open({ migrations: [...MIGRATIONS, v9] })).close();
    await expect(h.open()).rejects.toBeInstanceOf(DatabaseNewerThanCode);
    await expect(h.open()).rejects.toThrow(`schema version ${V + 7}, newer than this bridge understands (${V})`);
    const store = await h.open({ migrations: [...MIGRATIONS, v9] });
    expect(store.get(id)!.state).toBe('pending');
    expect(readdirSync(h.dataDir).filter((f) => /\.(unreadable|corrupt|key-missing)-/.test(f))).toEqual([]);
  });
});
