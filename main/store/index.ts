// The encrypted store's surface: openStore (key from the vault, move-aside recovery, migrations), the Store, its status.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../telemetry/log.js';
import type { Vault } from '../vault/index.js';
import { Checkpointer } from './checkpointer.js';
import { cipherPragmas, DATABASE_FILE, databaseExists, databaseKey, isUnreadable, moveAside, openEncrypted, pageSizeOf, WAL_CHECKPOINT_PAGES, type Db } from './database.js';
import type { StoreAlert } from './errors.js';
import { IntegrityFailed, migrate, type Migration } from './migrations.js';
import { Store, type BufferLimits } from './store.js';
import type { OutboxState } from './types.js';

export { Store, sha256Hex } from './store.js';
export type { JournalInput, JournalResult, StoredJob, RecordedReceipt, HistoryEntry, BufferLimits, StagedChunk, StagedStream } from './store.js';
export { packBytes, unpackBytes } from './bytes.js';
export { CACHE_KIB, ENGINE_CACHE_KIB, ENGINE_CHECKPOINT_MS, DATABASE_FILE, KEY_NAME, LEGACY_PAGE_SIZE, PAGE_SIZE, WAL_CHECKPOINT_PAGES, applyCipher, openEncrypted, pageSizeOf, tuneConnection } from './database.js';
export { MIGRATIONS, latestVersion, checkIntegrity, type Migration } from './migrations.js';
export { BY_ID, RECENT_IDS_MAX, mergeRecentIds, recentIdCount } from './ids.js';
export * from './errors.js';
export * from './types.js';

export interface StoreOptions {
  dataDir: string;
  vault: Vault;
  log: Logger;
  clock?: () => Date;
  /** For tests of the migration machinery; the shipped list otherwise. */
  migrations?: Migration[];
  /** The disk-full memory buffer's bounds (default 10,000 jobs or 64 MiB). */
  buffer?: BufferLimits;
  /**
   * `PRAGMA quick_check` at open reads every page: done when the file is at most this size (default 256 MiB),
   * otherwise corruption is caught by the first read that meets it and by the check before each migration.
   */
  quickCheckMaxBytes?: number;
  /**
   * Return in_flight rows to pending (default false). Only the process holding the data-dir lock may:
   * any other (`status`, a CLI command while `run` works) would take back rows the engine is sending now.
   */
  recoverInFlight?: boolean;
  /**
   * Checkpoint the WAL from a worker thread every this many ms instead of in the committing connection
   * (the engine: a commit never waits for a checkpoint). Off for short-lived commands and most tests.
   */
  checkpointEveryMs?: number;
  /** Page cache of the store's connection in KiB (default CACHE_KIB, sized for bulk writes; the engine runs with ENGINE_CACHE_KIB). */
  cacheKiB?: number;
}

const DEFAULT_BUFFER: BufferLimits = { jobs: 10_000, bytes: 64 * 1024 * 1024 };

/**
 * Opens the bridge's database in dataDir, creating it (and its key in the vault) at first start.
 * Never deletes a database: one whose key is gone, or that is unreadable or corrupt, is moved aside
 * with an alert saying how to recover it. A locked keychain throws KeychainUnavailable and touches nothing.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const clock = options.clock ?? (() => new Date());
  const log = options.log.child({ component: 'store' });
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = join(options.dataDir, DATABASE_FILE);
  const alerts: StoreAlert[] = [];
  const existed = databaseExists(file);

  const { key, created } = await databaseKey(options.vault);
  if (created && existed) {
    const movedTo = moveAside(file, 'key-missing', clock());
    alerts.push({
      code: 'database_key_missing',
      severity: 'error',
      raisedAt: clock().toISOString(),
      movedTo,
      message:
        `The database key was missing from the keychain ("${options.vault.service}"), so the existing database could not be read. ` +
        `It was moved to ${movedTo} (not deleted) and a new one started. To recover its receipts, restore the keychain entry ` +
        '"database-key" from a backup of this machine\'s keychain, then contact TaxPoynt support.',
    });
  }

  let current = openChecked(file, key, clock, alerts, options.quickCheckMaxBytes ?? 256 * 1024 * 1024);
  const steps = {
    migrations: options.migrations,
    now: clock,
    log,
    key,
    close: () => current.close(),
    reopen: () => (current = openEncrypted(file, key)),
  };
  let outcome: ReturnType<typeof migrate>;
  try {
    outcome = migrate(current, file, steps);
  } catch (err) {
    if (!(err instanceof IntegrityFailed)) {
      if (current.open) current.close();
      throw err;
    }
    current.close();
    current = startAgain(file, key, clock, alerts, 'corrupt', err.message);
    outcome = migrate(current, file, steps);
  }
  current = outcome.db;
  // A migration's pages are in the WAL: copied into the database now and the WAL cut back, so a new store (eight
  // migrations) or a rebuilt table does not leave a WAL the size of what it rewrote (a 2 MiB disk filled up on it).
  if (outcome.to !== outcome.from) current.pragma('wal_checkpoint(TRUNCATE)');

  if (options.cacheKiB) current.pragma(`cache_size=-${options.cacheKiB}`);
  let checkpointer: Checkpointer | undefined;
  if (options.checkpointEveryMs) {
    // The committing connection checkpoints only if the worker falls far behind.
    current.pragma(`wal_autocheckpoint=${4 * WAL_CHECKPOINT_PAGES}`);
    checkpointer = new Checkpointer(file, [...cipherPragmas(key, pageSizeOf(current)), 'busy_timeout=1000', 'synchronous=FULL'], options.checkpointEveryMs, (message) =>
      log.warn('background checkpoint failed; commits checkpoint themselves', { reason: message }),
    );
  }
  const store = new Store(current, file, log, clock, options.buffer ?? DEFAULT_BUFFER, checkpointer);
  for (const alert of alerts) store.raise(alert);
  if (options.recoverInFlight === true) {
    store.resetInFlight();
    store.reconcileCounts();
  }
  return store;
}

function openChecked(file: string, key: string, clock: () => Date, alerts: StoreAlert[], quickCheckMaxBytes: number): Db {
  let db: Db;
  try {
    db = openEncrypted(file, key);
  } catch (err) {
    if (!isUnreadable(err)) throw err;
    return startAgain(file, key, clock, alerts, 'unreadable', (err as Error).message);
  }
  if (statSync(file).size <= quickCheckMaxBytes) {
    let problems: string[];
    try {
      problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check).filter((r) => r !== 'ok');
    } catch (err) {
      if (!isUnreadable(err)) throw err;
      problems = [(err as Error).message];
    }
    if (problems.length) {
      db.close();
      return startAgain(file, key, clock, alerts, 'corrupt', problems.slice(0, 3).join('; '));
    }
  }
  return db;
}

function startAgain(file: string, key: string, clock: () => Date, alerts: StoreAlert[], why: 'unreadable' | 'corrupt', detail: string): Db {
  const movedTo = moveAside(file, why, clock());
  alerts.push({
    code: why === 'corrupt' ? 'database_corrupt' : 'database_unreadable',
    severity: 'error',
    raisedAt: clock().toISOString(),
    movedTo,
    message:
      (why === 'corrupt'
        ? `The database failed its integrity check (${detail.slice(0, 200)}).`
        : 'The database could not be opened with the key in the keychain (a different key, or a damaged file).') +
      ` It was moved to ${movedTo} (not deleted) and a new one started; receipts captured from now on are safe. ` +
      'Send `taxpoynt-bridge diagnostics` to TaxPoynt support to recover the old receipts.',
  });
  return openEncrypted(file, key);
}

export interface StoreStatus {
  counts: Record<OutboxState, number>;
  oldestPendingAgeS: number | null;
  /** Jobs held in memory because the disk is full. */
  buffered: number;
  /** Journaled jobs waiting for their parse to be recorded. */
  awaitingParse: number;
  alerts: StoreAlert[];
}

/** What `status --json` prints about the store. */
export function storeStatus(store: Store): StoreStatus {
  return {
    counts: store.counts(),
    oldestPendingAgeS: store.oldestPendingAgeS(),
    buffered: store.buffered,
    awaitingParse: store.awaitingParse(),
    alerts: store.alerts,
  };
}
