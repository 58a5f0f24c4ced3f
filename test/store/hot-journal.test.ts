// A process killed inside a rollback-journal transaction (migration 6 takes the old file out of WAL mode just before
// its swap) leaves a hot journal beside the database. The store must still open, at the page size the file has, with
// the transaction rolled back: a CI run once killed migration 6 there and the store answered "attempt to write a
// readonly database" at every start.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, LEGACY_PAGE_SIZE, openEncrypted, PAGE_SIZE, pageSizeOf } from '../../main/store/index.js';

const library = createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');

/**
 * In a child: a database at `size` with 5,000 rows, taken out of WAL mode, then an update of every row with a page
 * cache too small to hold it (so changed pages reach the file and the journal holds the originals), and SIGKILL
 * before the commit.
 */
const CHILD = `
  const { createRequire } = await import('node:module');
  const Database = createRequire(import.meta.url)(${JSON.stringify(library)});
  const [file, key, size] = process.argv.slice(1);
  const db = new Database(file);
  for (const p of ["cipher='sqlcipher'", 'legacy=4', 'legacy_page_size=' + size, 'key="x\\'' + key + '\\'"']) db.pragma(p);
  db.pragma('journal_mode=WAL');
  db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)');
  const insert = db.prepare('INSERT INTO t (b) VALUES (?)');
  db.transaction(() => { for (let i = 0; i < 5000; i++) insert.run('x'.repeat(200)); })();
  db.pragma('journal_mode=DELETE');
  db.pragma('cache_size=10');
  db.exec('BEGIN');
  db.exec("UPDATE t SET b = 'y' || b");
  process.kill(process.pid, 'SIGKILL');
`;

const root = mkdtempSync(join(tmpdir(), 'tp-hot-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function killedMidTransaction(name: string, size: number): { file: string; key: string } {
  const key = randomBytes(32).toString('hex');
  const file = join(root, name, DATABASE_FILE);
  spawnSync('mkdir', ['-p', join(root, name)]);
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, file, key, String(size)], { encoding: 'utf8' });
  expect(run.signal, run.stderr).toBe('SIGKILL');
  // The kill left what the test is about: a journal whose header is live.
  expect(readFileSync(`${file}-journal`).subarray(0, 8).toString('hex')).toBe('d9d505f920a163d7');
  return { file, key };
}

describe('a hot journal left by a kill', () => {
  for (const size of [LEGACY_PAGE_SIZE, PAGE_SIZE]) {
    it(`is rolled back at the page size it was written at (${size / 1024} KiB), every row as it was before the killed transaction`, () => {
      const { file, key } = killedMidTransaction(`pages-${size}`, size);
      const db = openEncrypted(file, key);
      try {
        expect(pageSizeOf(db)).toBe(size);
        expect(db.prepare("SELECT count(*) AS n, sum(b LIKE 'y%') AS changed FROM t").get()).toEqual({ n: 5000, changed: 0 });
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        db.close();
      }
      expect(existsSync(`${file}-journal`)).toBe(false);
    });
  }

  it('whose header names no page size the bridge writes is refused with the journal named, and nothing is touched', () => {
    const { file, key } = killedMidTransaction('bad-header', LEGACY_PAGE_SIZE);
    const journal = readFileSync(`${file}-journal`);
    journal.writeUInt32BE(8192, 24);
    writeFileSync(`${file}-journal`, journal);
    const database = readFileSync(file);
    expect(() => openEncrypted(file, key)).toThrow(`${file}-journal must be rolled back but its header names no page size this bridge writes (8192)`);
    expect(readFileSync(`${file}-journal`).equals(journal)).toBe(true);
    expect(readFileSync(file).equals(database)).toBe(true);
  });
});
