// The encrypted connection: SQLCipher scheme over SQLite3MultipleCiphers, the raw 256-bit key from the vault, WAL, FULL sync.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { registerSecret } from '../telemetry/redact.js';
import type { Vault } from '../vault/index.js';
import { DatabaseKeyInvalid } from './errors.js';

export type Db = Database.Database;

export const DATABASE_FILE = 'bridge.db';
export const KEY_NAME = 'database-key';
/**
 * Page size of new databases and of those migration 6 rewrote (SQLCipher tools open them with `PRAGMA cipher_page_size = 16384`).
 * A page holds 4× the index entries of SQLCipher's default 4 KiB, so a store of 1,000,000 receipts has
 * a quarter of the index pages to find, decrypt and check per write (bench/store.ts).
 */
export const PAGE_SIZE = 16384;
/** SQLCipher 4's default, which databases of schema 5 and before were made with: read until migration 6 rewrites them. */
export const LEGACY_PAGE_SIZE = 4096;
/**
 * Page cache per connection (KiB): bounded, so 1,000,000 rows never mean 1,000,000 rows in memory, yet large
 * enough to hold most of the transaction-id index of a full store (its inserts land at random pages).
 */
export const CACHE_KIB = 64 * 1024;
/**
 * WAL pages before a commit checkpoints (64 MiB; SQLite's default is 1,000 pages). A checkpoint writes each page
 * changed since the last one back to the database file once; at 1,000,000 rows the id index changes ~one page
 * per receipt, so checkpointing less often writes those pages back far fewer times (bench/store.ts).
 */
export const WAL_CHECKPOINT_PAGES = (64 * 1024 * 1024) / PAGE_SIZE;
/**
 * How often the engine's checkpoint worker copies the WAL into the database file (StoreOptions.checkpointEveryMs).
 * Each checkpoint ends with an fsync of the database file beside the commits' own: every 2 s rather than every
 * 250 ms took ingest from ~1,100 to ~1,430 jobs/s into 100,000 rows on the 2-core test machine, and a page
 * dirtied many times in between is written back once.
 */
export const ENGINE_CHECKPOINT_MS = 2000;

/**
 * The engine's page cache. The default (CACHE_KIB, sized for bulk ingest) fills as the store grows and took a
 * bridge capturing 10 receipts a second past 200 MB RSS within 15 minutes (bench/soak.ts); at 16 MiB RSS still grew
 * 3 MB per 10 minutes after warm-up, at 8 MiB it is flat. The engine writes a receipt at a time and reads a page of the
 * UI at a time, which this holds.
 */
export const ENGINE_CACHE_KIB = 8 * 1024;

const KEY_SHAPE = /^[0-9a-f]{64}$/;

/** The SQLCipher-scheme settings a connection needs before its first read (SQLite3MultipleCiphers: cipher, legacy, page size, key). */
export function applyCipher(db: Db, keyHex: string, pageSize = PAGE_SIZE): void {
  for (const pragma of cipherPragmas(keyHex, pageSize)) db.pragma(pragma);
}

/** The same settings as pragma statements, for a connection opened elsewhere (the checkpoint worker). */
export function cipherPragmas(keyHex: string, pageSize = PAGE_SIZE): string[] {
  // Raw key (x'…'): no passphrase derivation, the 256 bits come straight from the CSPRNG. The page size is
  // not readable from an encrypted file (page 1 is encrypted whole), so every connection is told it.
  return [`cipher='sqlcipher'`, 'legacy=4', `legacy_page_size=${pageSize}`, `key="x'${keyHex}'"`];
}

/** The page size the open connection's database has. */
export function pageSizeOf(db: Db): number {
  return db.pragma('page_size', { simple: true }) as number;
}

/** The settings every connection of the store runs with (the store bench's bare baseline uses them too). */
export function tuneConnection(db: Db): void {
  db.pragma('journal_mode=WAL');
  // Every commit is on disk before it returns: capture acknowledges only what survives a power cut.
  db.pragma('synchronous=FULL');
  db.pragma('foreign_keys=ON');
  // Sorts and temporary tables stay in memory: SQLite's temp files would not be encrypted.
  db.pragma('temp_store=MEMORY');
  db.pragma(`cache_size=-${CACHE_KIB}`);
  db.pragma(`wal_autocheckpoint=${WAL_CHECKPOINT_PAGES}`);
  // After a checkpoint the WAL file is cut back to this size, so a burst does not leave a large file behind.
  db.pragma(`journal_size_limit=${WAL_CHECKPOINT_PAGES * PAGE_SIZE}`);
  db.pragma('busy_timeout=5000');
}

/**
 * Opens (or creates) an encrypted database and proves the key reads it.
 * Throws SQLITE_NOTADB when the key does not match or page 1 is damaged.
 */
export function openEncrypted(file: string, keyHex: string): Db {
  // Owner-only from the first byte; SQLite gives the -wal and -shm files the database file's mode.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  else ownerOnly(file);
  const pageSize = statSync(file).size === 0 ? PAGE_SIZE : probePageSize(file, keyHex);
  const db = new Database(file);
  try {
    applyCipher(db, keyHex, pageSize);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    tuneConnection(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Which page size the file was made with: the one that decrypts page 1. Probed read-only, so a connection
 * told the wrong size never checkpoints the WAL on close. Neither reads it (another key, a damaged file):
 * the current size, and the caller's read reports the file as unreadable.
 *
 * A process killed inside a rollback-journal transaction (migration 6 leaves WAL mode just before its swap)
 * leaves a hot journal, which only a writer may roll back: the read-only probe answers SQLITE_READONLY_ROLLBACK.
 * The journal's header says in clear the page size it was written at, and the read-write connection opened at
 * that size rolls the journal back. Rolling it back at a guessed size would write wrongly decrypted pages.
 */
function probePageSize(file: string, keyHex: string): number {
  for (const size of [PAGE_SIZE, LEGACY_PAGE_SIZE]) {
    const probe = new Database(file, { readonly: true, fileMustExist: true });
    try {
      applyCipher(probe, keyHex, size);
      probe.prepare('SELECT count(*) FROM sqlite_master').get();
      return size;
    } catch (err) {
      if (isHotJournal(err)) return hotJournalPageSize(file, err as Error);
      if (!isUnreadable(err)) throw err;
    } finally {
      probe.close();
    }
  }
  return PAGE_SIZE;
}

function isHotJournal(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 'SQLITE_READONLY_ROLLBACK';
}

/** SQLite's rollback journal header: 8 magic bytes, then at offset 24 the page size (big-endian), never encrypted. */
const JOURNAL_MAGIC = Buffer.from('d9d505f920a163d7', 'hex');

/** The page size a hot journal beside `file` was written at; an error naming the journal when it says none we make. */
function hotJournalPageSize(file: string, cause?: Error): number {
  const journal = `${file}-journal`;
  const header = Buffer.alloc(28);
  let read = 0;
  try {
    const fd = openSync(journal, 'r');
    try {
      read = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new Error(`${journal} must be rolled back but cannot be read (${(err as Error).message})`, { cause });
  }
  const size = read === header.length && header.subarray(0, 8).equals(JOURNAL_MAGIC) ? header.readUInt32BE(24) : null;
  if (size !== PAGE_SIZE && size !== LEGACY_PAGE_SIZE) {
    throw new Error(`${journal} must be rolled back but its header names no page size this bridge writes (${size ?? 'no SQLite journal header'}); the files are left as they are`, { cause });
  }
  return size;
}

export interface KeyOutcome {
  key: string;
  /** True when no key was in the keychain (the keychain answered and was unlocked) and one was made now. */
  created: boolean;
}

/**
 * The database key from the vault, made at first start. A missing entry is trusted only after
 * vault.probe() proves the keychain is unlocked: a locked keychain may answer "no such entry".
 */
export async function databaseKey(vault: Vault): Promise<KeyOutcome> {
  let key = await vault.get(KEY_NAME);
  if (key === null) {
    await vault.probe();
    key = await vault.get(KEY_NAME);
  }
  if (key !== null) {
    registerSecret(key);
    if (!KEY_SHAPE.test(key)) throw new DatabaseKeyInvalid(vault.service);
    return { key, created: false };
  }
  const made = randomBytes(32).toString('hex');
  registerSecret(made);
  await vault.set(KEY_NAME, made);
  const back = await vault.get(KEY_NAME);
  if (back !== made) throw new DatabaseKeyInvalid(vault.service);
  return { key: made, created: true };
}

/** chmod 600, where the OS has modes (a failure is not a reason to stop capturing). */
export function ownerOnly(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch {
    // Windows ACLs or a read-only mount: the file is encrypted regardless.
  }
}

export function databaseExists(file: string): boolean {
  return existsSync(file) && statSync(file).size > 0;
}

/** Moves a database that cannot be used (and its WAL, which may hold committed jobs) aside; never deletes it. */
export function moveAside(file: string, reason: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let target = `${file}.${reason}-${stamp}`;
  for (let n = 1; existsSync(target); n++) target = `${file}.${reason}-${stamp}-${n}`;
  renameSync(file, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}

/** SQLite error codes of a full disk or a write the OS refused: the job goes to the in-memory buffer. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC' || code === 'SQLITE_IOERR_SHORT_WRITE')
  );
}

export function isUnreadable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}
