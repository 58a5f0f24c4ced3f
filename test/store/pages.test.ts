// Migration 6 re-encrypts a store of 4 KiB pages into 16 KiB pages: 100,000 rows in every state with their history lose nothing,
// a backup comes first, and a SIGKILL at any moment of it leaves a database that opens with every row.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATABASE_FILE,
  KEY_NAME,
  LEGACY_PAGE_SIZE,
  MIGRATIONS,
  OUTBOX_STATES,
  openStore,
  PAGE_SIZE,
  pageSizeOf,
  tuneConnection,
  type Store,
} from '../../main/store/index.js';
import { migrate } from '../../main/store/migrations.js';
import { silentLogger } from '../../main/telemetry/log.js';
import { harness, job, type Harness } from './harness.js';
import { contents, LEGACY_STATES, legacyStore, openAt } from './legacy-store.js';
import { parsed } from './sample.js';

const here = dirname(fileURLToPath(import.meta.url));
const built = existsSync(join(here, '..', '..', 'dist', 'main', 'store', 'index.js'));

/**
 * What the migrations after 6 do to a schema-5 store, at its old page size: migration 6 changes the pages and
 * nothing else, so the store after 5 → latest must hold exactly this.
 */
function laterMigrationsAtOldPages(file: string, key: string): { contents: ReturnType<typeof contents>; schema: string[]; counts: Record<string, number> } {
  const dir = mkdtempSync(join(tmpdir(), 'tp-pages-expected-'));
  try {
    const copy = join(dir, DATABASE_FILE);
    copyFileSync(file, copy);
    const db = openAt(copy, key, LEGACY_PAGE_SIZE, true);
    tuneConnection(db);
    const outcome = migrate(db, copy, { migrations: MIGRATIONS.filter((m) => m.version !== 6), now: () => new Date('2026-11-01T00:00:00Z'), log: silentLogger, close: () => db.close() });
    const result = {
      contents: contents(outcome.db),
      schema: outcome.db.prepare(`SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name`).pluck().all() as string[],
      counts: Object.fromEntries(OUTBOX_STATES.map((s) => [s, outcome.db.prepare('SELECT count(*) FROM outbox WHERE state = ?').pluck().get(s) as number])),
    };
    outcome.db.close();
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('migration 6: 16 KiB pages at 100,000 rows', () => {
  const ROWS = 100_000;
  let h: Harness;
  let store: Store;
  let key: string;
  let before: ReturnType<typeof contents>;
  let legacy: ReturnType<typeof contents>;
  let schemaBefore: string[];
  let countsBefore: Record<string, number>;

  beforeAll(async () => {
    h = harness('pages');
    key = randomBytes(32).toString('hex');
    await h.vault.set(KEY_NAME, key);
    const file = join(h.dataDir, DATABASE_FILE);
    legacyStore(file, key, ROWS);
    const db = openAt(file, key, LEGACY_PAGE_SIZE);
    legacy = contents(db);
    db.close();
    const expected = laterMigrationsAtOldPages(file, key);
    before = expected.contents;
    countsBefore = expected.counts;
    schemaBefore = expected.schema;
    store = await h.open();
  }, 600_000);

  afterAll(async () => {
    await h.cleanup();
  });

  it('moves every row of every table, byte for byte, into 16 KiB pages', () => {
    expect(before.rows.outbox).toBe(ROWS - 40);
    expect(before.rows.outbox_history).toBeGreaterThan(ROWS / 2);
    expect(pageSizeOf(store.connection)).toBe(PAGE_SIZE);
    const after = contents(store.connection);
    expect(after.rows).toEqual(before.rows);
    expect(after.digests).toEqual(before.digests);
    expect(store.connection.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: Math.max(...MIGRATIONS.map((m) => m.version)) });
    expect(store.integrity()).toEqual([]);
  });

  it('keeps every index and trigger: the counts by state follow moves, the receipts screen finds by number', () => {
    const schemaAfter = store.connection.prepare(`SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE sql IS NOT NULL AND name <> 'schema_migrations' ORDER BY name`).pluck().all();
    expect(schemaAfter).toEqual(schemaBefore.filter((s) => !s.includes('schema_migrations')));
    const counts = countsBefore;
    expect(LEGACY_STATES.every((state) => counts[state]! > 10_000)).toBe(true);
    expect(store.counts()).toEqual(counts);
    const claimed = store.claim(10, 1 << 20);
    expect(claimed).toHaveLength(10);
    expect(store.counts().in_flight).toBe(counts.in_flight! + 10);
    const plan = store.connection.prepare(`EXPLAIN QUERY PLAN SELECT seq FROM outbox WHERE receipt_number = 'R-77'`).all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('receipts_view_outbox_number');
  });

  it('journals and parses new receipts afterwards, and the jobs awaiting their parse are still awaited', () => {
    expect(store.unparsedJournal(100)).toHaveLength(40);
    const j = store.journal(job());
    expect(store.recordParse(parsed(j.id))).toBe('pending');
    expect(store.get(j.id)?.state).toBe('pending');
  });

  it('took an encrypted backup of the old pages first, which opens and holds every row', () => {
    const backups = readdirSync(h.dataDir).filter((f) => /^bridge\.db\.backup-v\d+-/.test(f));
    expect(backups).toHaveLength(1);
    const copy = openAt(join(h.dataDir, backups[0]!), key, LEGACY_PAGE_SIZE);
    expect(contents(copy)).toEqual(legacy);
    copy.close();
    expect(readdirSync(h.dataDir).filter((f) => f.includes('.rewrite'))).toEqual([]);
  });

  it('is encrypted at the new page size: the old settings, or no key, read nothing', () => {
    const file = join(h.dataDir, DATABASE_FILE);
    const wrong = openAt(file, key, LEGACY_PAGE_SIZE);
    expect(() => wrong.prepare('SELECT count(*) FROM outbox').get()).toThrow(/not a database/);
    wrong.close();
    const plain = new Database(file, { readonly: true });
    expect(() => plain.prepare('SELECT count(*) FROM outbox').get()).toThrow(/not a database/);
    plain.close();
  });
});

/** Opens the store in a child (built code) and prints "migrated" once it is open; the parent kills it with SIGKILL first. */
const CHILD = `
  const [dir, key] = process.argv.slice(1);
  const { openStore, KEY_NAME } = await import(${JSON.stringify(join(here, '..', '..', 'dist', 'main', 'store', 'index.js'))});
  const { MemoryVault } = await import(${JSON.stringify(join(here, '..', '..', 'dist', 'main', 'vault', 'index.js'))});
  const { silentLogger } = await import(${JSON.stringify(join(here, '..', '..', 'dist', 'main', 'telemetry', 'log.js'))});
  const vault = new MemoryVault();
  await vault.set(KEY_NAME, key);
  process.stdout.write('opening\\n');
  const store = await openStore({ dataDir: dir, vault, log: silentLogger });
  store.close();
  process.stdout.write('migrated\\n');
`;

function runChild(dir: string, key: string, killAfterMs: number | null): Promise<{ ms: number; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dir, key], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let started = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!started && out.includes('opening')) {
        started = performance.now();
        if (killAfterMs !== null) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (signal === 'SIGKILL') resolve({ ms, killed: true });
      else if (code === 0 && out.includes('migrated')) resolve({ ms, killed: false });
      else reject(new Error(`child exited ${code}: ${err.slice(0, 1500)}`));
    });
  });
}

describe.skipIf(!built)('migration 6 killed with SIGKILL', () => {
  const ROWS = 20_000;
  const root = mkdtempSync(join(tmpdir(), 'tp-store-pages-kill-'));
  const key = randomBytes(32).toString('hex');
  const original = join(root, 'original', DATABASE_FILE);
  let before: ReturnType<typeof contents>;

  beforeAll(() => {
    legacyStore(original, key, ROWS);
    before = laterMigrationsAtOldPages(original, key).contents;
  }, 300_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('leaves a database that opens with every row, wherever the kill lands (backup, copy, swap)', { timeout: 600_000 }, async () => {
    const copy = (name: string) => {
      mkdirSync(join(root, name), { recursive: true });
      copyFileSync(original, join(root, name, DATABASE_FILE));
      return join(root, name);
    };
    // How long an undisturbed migration takes in a child, then kills spread across it.
    const whole = await runChild(copy('whole'), key, null);
    expect(whole.killed).toBe(false);
    const fractions = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.97];
    // On a loaded machine the rewrite may take another share of the run than undisturbed: while no kill has landed in it,
    // kills go on at the fractions between (bounded).
    const between = [0.1, 0.15, 0.25, 0.3, 0.4, 0.45, 0.55, 0.6, 0.7, 0.75, 0.85];
    const outcomes: string[] = [];
    const landedInRewrite = () => outcomes.some((o) => o.includes('.rewrite'));
    for (const [i, f] of [...fractions, ...between].entries()) {
      if (i >= fractions.length && landedInRewrite()) break;
      const dir = copy(`kill-${i}`);
      const run = await runChild(dir, key, Math.round(whole.ms * f));
      const left = readdirSync(dir).sort();
      const vault = new (await import('../../main/vault/index.js')).MemoryVault();
      await vault.set(KEY_NAME, key);
      const store = await openStore({ dataDir: dir, vault, log: silentLogger });
      try {
        expect(pageSizeOf(store.connection)).toBe(PAGE_SIZE);
        expect(contents(store.connection)).toEqual(before);
        expect(store.integrity()).toEqual([]);
        expect(readdirSync(dir).filter((f) => f.includes('.rewrite') || f.includes('failed-migration'))).toEqual([]);
      } finally {
        store.close();
      }
      outcomes.push(`${Math.round(f * 100)}%: ${run.killed ? 'killed' : 'finished'} with ${left.join(', ')}`);
    }
    // Some kills landed mid-migration (the files left show it), not all after it finished.
    expect(outcomes.filter((o) => o.includes('killed')).length).toBeGreaterThanOrEqual(4);
    expect(landedInRewrite(), outcomes.join('; ')).toBe(true);
  });
});
