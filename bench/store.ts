// Store figures: ingest into stores holding 0, 100,000 and 1,000,000 rows vs the bare library, durable single commit, bytes at rest, RSS.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { transactionId, type Transaction } from '../main/receipts/transaction.js';
import { applyCipher, CACHE_KIB, ENGINE_CACHE_KIB, ENGINE_CHECKPOINT_MS, DATABASE_FILE, WAL_CHECKPOINT_PAGES, tuneConnection, KEY_NAME, latestVersion, LEGACY_PAGE_SIZE, mergeRecentIds, MIGRATIONS, RECENT_IDS_MAX, recentIdCount, openStore, packBytes, PAGE_SIZE, type JournalInput, type ParsedJob, type Store } from '../main/store/index.js';
import { ReceiptsView } from '../main/engine/receipts-view.js';
import { migrate } from '../main/store/migrations.js';
import { silentLogger } from '../main/telemetry/log.js';
import { MemoryVault } from '../main/vault/index.js';
import type { BenchReport } from './report.js';
import { median, percentile } from './stats.js';

const JOB_BYTES = 1200;
const BATCH = 500;
const INGEST_JOBS = Number(process.env.TAXPOYNT_BENCH_INGEST_JOBS ?? 20_000);
const SINGLE_COMMITS = 1500;
/** Ingest rounds per size (each on a fresh copy); figures are medians, ratios medians of the rounds' paired ratios. */
const ROUNDS = Number(process.env.TAXPOYNT_BENCH_STORE_ROUNDS ?? 3);
/** Rows already in the store when ingest is measured (the last one also sets the scene for the RSS probe). */
const SCALES = (process.env.TAXPOYNT_BENCH_STORE_ROWS ?? '0,100000,1000000').split(',').map(Number);
/** A fixed key for the cached scale databases: synthetic rows only, so the cache survives between runs. */
const BENCH_KEY = createHash('sha256').update('taxpoynt-bench-store').digest('hex');
/** Bumped when the fill below changes, so an old cached database is not reused. */
const FILL_FORMAT = 4;
const NOW = '2026-11-26T05:00:00.000Z';

/** A text receipt of about JOB_BYTES, unique per n (as a till prints them: compressible). */
function jobBytes(n: number): Buffer {
  const lines = [`\x1b@MAMA PUT KITCHEN LTD`, 'TIN: 12345678-0001', `Receipt No: ${n}`, `Ref: ${randomBytes(6).toString('hex')}`];
  for (let i = 0; lines.join('\n').length < JOB_BYTES - 40; i++) lines.push(`${(i % 4) + 1} ${['Jollof Rice', 'Chicken', 'Zobo', 'Moi moi'][i % 4]!.padEnd(20)}${(1000 + ((n * 7 + i * 13) % 9000)).toLocaleString('en-US')}.00`);
  lines.push('TOTAL                 5,375.00', 'Thank you');
  return Buffer.from(lines.join('\n') + '\n\x1dV\x00', 'latin1');
}

/** A raster receipt: GS v 0 of an 80 mm (576-dot) picture, ~35 KB of bitmap with text-like strokes. */
function rasterJob(n: number): Buffer {
  const widthBytes = 72;
  const height = 480;
  const bitmap = Buffer.alloc(widthBytes * height);
  for (let y = 0; y < height; y++) {
    const textRow = y % 24 < 16;
    for (let x = 0; x < widthBytes; x++) if (textRow && (x * 31 + y * 7 + n) % 11 < 4) bitmap[y * widthBytes + x] = 0x3c ^ ((x + n) & 0x0f);
  }
  // The receipt number and a stamp as the till's picture shows them, so no two jobs are the same bytes.
  bitmap.writeUInt32BE(n, 0);
  randomBytes(8).copy(bitmap, widthBytes * (height - 1));
  return Buffer.concat([Buffer.from([0x1b, 0x40, 0x1d, 0x76, 0x30, 0, widthBytes, 0, height & 0xff, height >> 8]), bitmap, Buffer.from([0x1d, 0x56, 0x00])]);
}

function sampleTransaction(id: string): Transaction {
  return {
    id,
    source: { device_id: 'till-1', integration: 'escpos_serial', profile: 'generic@1', captured_at: NOW },
    receipt_number: 'R-1001',
    terminal_id: 'till-1',
    issued_at: '2026-11-26T05:00:00+01:00',
    document_type: 'sale',
    currency: 'NGN',
    lines: [
      { description: 'Jollof rice', quantity: '1', unit_price: '2000.00', amount: '2000.00', tax_category: 'standard', tax_rate: '7.5' },
      { description: 'Chicken', quantity: '2', unit_price: '1500.00', amount: '3000.00', tax_category: 'standard', tax_rate: '7.5' },
    ],
    totals: { subtotal: '5000.00', tax: '375.00', total: '5375.00' },
    taxes: [{ type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '5000.00', amount: '375.00' }],
    payments: [{ method: 'cash', amount: '5375.00' }],
    raw: { sha256: 'a'.repeat(64), bytes: JOB_BYTES },
  };
}

/**
 * Bytes this process has handed to write() so far (Linux /proc/self/io `wchar`): WAL frames, checkpoints (the
 * checkpoint worker is a thread of this process) and anything else; null where there is no /proc.
 */
function writtenBytes(): number | null {
  try {
    const m = /^wchar:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Jobs per second and bytes written per job (null without /proc) of one timed ingest. */
interface Ingest {
  rate: number;
  writtenPerJob: number | null;
}

/** Times `ingest` (which returns its own rate) and counts what the process wrote meanwhile. */
function measured(jobs: number, ingest: () => number): Ingest {
  const before = writtenBytes();
  const rate = ingest();
  const after = writtenBytes();
  return { rate, writtenPerJob: before === null || after === null ? null : (after - before) / jobs };
}


/**
 * The bridge's batching path: each commit journals the new batch and writes the outbox rows of the
 * batch journaled (and parsed) just before, so every job is durable in the journal before it is parsed.
 */
function storeIngest(store: Store, jobs: Buffer[]): number {
  const start = performance.now();
  let parsed: ParsedJob[] = [];
  for (let i = 0; i < jobs.length; i += BATCH) {
    const inputs: JournalInput[] = jobs.slice(i, i + BATCH).map((bytes) => ({ deviceId: 'till-1', integration: 'escpos_serial', bytes, capturedAt: NOW }));
    const results = store.commitBatch(inputs, parsed);
    parsed = results.map((r) => ({ id: r.id, seq: r.seq!, deviceId: 'till-1', state: 'pending', transaction: sampleTransaction(r.id), problems: [] }));
  }
  store.commitBatch([], parsed);
  return jobs.length / ((performance.now() - start) / 1000);
}

/** The ids, digests and deflated bytes the store makes for each job, made before the clock starts (the bare loop serialises the transaction, as a caller of the library would). */
interface BareRow {
  id: string;
  sha: string;
  size: number;
  packed: ReturnType<typeof packBytes>;
}

function bareRows(jobs: Buffer[]): BareRow[] {
  return jobs.map((bytes) => {
    const id = transactionId('till-1', bytes);
    return { id, sha: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, packed: packBytes(bytes) };
  });
}

/** The bare library on the store's own schema: the same rows and statements per job (journal, outbox, parse flag), batches of 500, no layer. */
function bareIngest(db: Database.Database, rows: BareRow[]): number {
  const journal = db.prepare(
    'INSERT INTO journal (device_id, integration, captured_at, journaled_at, sha256, size, encoding, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const outbox = db.prepare(
    `INSERT INTO outbox (id, journal_seq, receipt_index, byte_start, byte_end, device_id, state, receipt_number, tx_json, problems_json, created_at, updated_at)
     VALUES (?, ?, 0, 0, ?, 'till-1', 'pending', 'R-1001', ?, '[]', ?, ?)`,
  );
  const parsed = db.prepare('UPDATE journal SET parsed = 1 WHERE seq = ?');
  let recent = recentIdCount(db);
  let previous: Array<{ row: BareRow; seq: number }> = [];
  const batch = db.transaction((from: number) => {
    const next: Array<{ row: BareRow; seq: number }> = [];
    for (let i = from; i < Math.min(from + BATCH, rows.length); i++) {
      const r = rows[i]!;
      next.push({ row: r, seq: Number(journal.run('till-1', 'escpos_serial', NOW, NOW, r.sha, r.size, r.packed.encoding, r.packed.stored).lastInsertRowid) });
    }
    for (const p of previous) {
      recent += outbox.run(p.row.id, p.seq, p.row.size, JSON.stringify(sampleTransaction(p.row.id)), NOW, NOW).changes;
      parsed.run(p.seq);
    }
    // The schema's id runs (main/store/ids.ts) take the same merge the store makes.
    if (recent >= RECENT_IDS_MAX) {
      mergeRecentIds(db);
      recent = 0;
    }
    previous = next;
  });
  const start = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) batch(i);
  batch(rows.length);
  return rows.length / ((performance.now() - start) / 1000);
}

/** The bare library doing schema 3's writes (before issue 18): random text keys, journal_unparsed insert then delete, the json_extract index. */
function bareIngestV3(db: Database.Database, rows: BareRow[]): number {
  const journal = db.prepare('INSERT INTO journal (id, device_id, integration, captured_at, journaled_at, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const mark = db.prepare('INSERT INTO journal_unparsed (id) VALUES (?)');
  const outbox = db.prepare(`INSERT INTO outbox (id, device_id, state, tx_json, problems_json, created_at, updated_at) VALUES (?, 'till-1', 'pending', ?, '[]', ?, ?)`);
  const clear = db.prepare('DELETE FROM journal_unparsed WHERE id = ?');
  let previous: BareRow[] = [];
  const batch = db.transaction((from: number) => {
    const next = rows.slice(from, from + BATCH);
    for (const r of next) {
      journal.run(r.id, 'till-1', 'escpos_serial', NOW, NOW, r.sha, r.packed.stored);
      mark.run(r.id);
    }
    for (const r of previous) {
      outbox.run(r.id, JSON.stringify(sampleTransaction(r.id)), NOW, NOW);
      clear.run(r.id);
    }
    previous = next;
  });
  const start = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) batch(i);
  batch(rows.length);
  return rows.length / ((performance.now() - start) / 1000);
}

/**
 * A connection as the store opens one (cipher, page size, WAL, FULL sync, its page cache and checkpoint interval), without
 * the Store around it; `before` is how schema 3's store opened it (4 KiB pages, 16 MiB cache, SQLite's 1,000-page checkpoint).
 */
function bareConnection(file: string, before = false): Database.Database {
  const db = new Database(file);
  applyCipher(db, BENCH_KEY, before ? LEGACY_PAGE_SIZE : PAGE_SIZE);
  tuneConnection(db);
  if (before) {
    db.pragma('cache_size=-16384');
    db.pragma('wal_autocheckpoint=1000');
  }
  return db;
}

/** The vault of the cached scale databases. */
function benchVault(): MemoryVault {
  const vault = new MemoryVault();
  void vault.set(KEY_NAME, BENCH_KEY);
  return vault;
}

/**
 * A database already holding `rows` receipts (90 % accepted with two history entries each, 10 % pending),
 * built once by bulk SQL and cached under os.tmpdir(), keyed by schema version, page size and fill format.
 * `schema` 3 is the layout before issue 18, for the "today" baseline.
 */
async function scaleDatabase(rows: number, schema: 3 | 4): Promise<string> {
  const version = schema === 4 ? latestVersion() : 3;
  const dir = join(tmpdir(), `taxpoynt-bench-store-v${version}-p${schema === 4 ? PAGE_SIZE : LEGACY_PAGE_SIZE}-f${FILL_FORMAT}-${rows}`);
  const file = join(dir, DATABASE_FILE);
  if (existsSync(join(dir, 'complete'))) {
    builds.set(`${schema}:${rows}`, { seconds: Number(readFileSync(join(dir, 'complete'), 'utf8')) || 0, cached: true });
    return file;
  }
  const started = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (schema === 4) {
    (await openStore({ dataDir: dir, vault: benchVault(), log: silentLogger })).close();
  } else {
    const db = bareConnection(file, true);
    migrate(db, file, { migrations: MIGRATIONS.filter((m) => m.version <= 3), now: () => new Date(), log: silentLogger, close: () => db.close() });
    db.close();
  }
  const db = bareConnection(file, schema === 3);
  db.pragma('synchronous=OFF');
  db.pragma('cache_size=-262144');
  const tx = JSON.stringify(sampleTransaction('ID')).replace('"id":"ID",', '').replace('"receipt_number":"R-1001",', '');
  const series = (from: number, to: number) => `WITH RECURSIVE n(x) AS (SELECT ${from} UNION ALL SELECT x + 1 FROM n WHERE x < ${to})`;
  const at = `strftime('%Y-%m-%dT%H:%M:%S.000Z', 1767254400 + x * 2, 'unixepoch')`;
  const state = `CASE WHEN x % 10 = 0 THEN 'pending' ELSE 'accepted' END`;
  const json = (id: string) => `'{"id":"' || ${id} || '","receipt_number":"R-' || x || '",' || substr('${tx}', 2)`;
  for (let from = 1; from <= rows; from += 100_000) {
    const to = Math.min(rows, from + 99_999);
    db.transaction(() => {
      db.exec(`CREATE TEMP TABLE ids AS ${series(from, to)} SELECT x, 'tx_' || lower(hex(randomblob(20))) AS id FROM n`);
      if (schema === 4) {
        db.exec(`${series(from, to)} INSERT INTO journal (seq, device_id, integration, captured_at, journaled_at, sha256, size, parsed, bytes)
                 SELECT x, 'till-1', 'escpos_serial', ${at}, ${at}, lower(hex(randomblob(32))), 400, 1, randomblob(400) FROM n`);
        db.exec(`INSERT INTO outbox (seq, id, journal_seq, receipt_index, byte_start, byte_end, device_id, state, receipt_number, tx_json, problems_json, created_at, updated_at)
                 SELECT x, id, x, 0, 0, 400, 'till-1', ${state}, 'R-' || x, ${json('id')}, '[]', ${at}, ${at} FROM temp.ids`);
        db.exec(`INSERT INTO outbox_history (outbox_seq, from_state, to_state, at, note)
                 SELECT x, f, t, ${at}, NULL FROM temp.ids, (SELECT 'pending' AS f, 'in_flight' AS t UNION ALL SELECT 'in_flight', 'accepted') WHERE x % 10 <> 0`);
      } else {
        db.exec(`INSERT INTO journal (seq, id, device_id, integration, captured_at, journaled_at, sha256, bytes)
                 SELECT x, id, 'till-1', 'escpos_serial', ${at}, ${at}, lower(hex(randomblob(32))), randomblob(400) FROM temp.ids`);
        db.exec(`INSERT INTO outbox (seq, id, device_id, state, tx_json, problems_json, created_at, updated_at)
                 SELECT x, id, 'till-1', ${state}, ${json('id')}, '[]', ${at}, ${at} FROM temp.ids`);
        db.exec(`INSERT INTO outbox_history (id, from_state, to_state, at, note)
                 SELECT id, f, t, ${at}, NULL FROM temp.ids, (SELECT 'pending' AS f, 'in_flight' AS t UNION ALL SELECT 'in_flight', 'accepted') WHERE x % 10 <> 0`);
      }
      db.exec('DROP TABLE temp.ids');
      // As the store does every RECENT_IDS_MAX receipts: the ids filled move to the large run in key order.
      if (schema === 4) mergeRecentIds(db);
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(join(dir, 'complete'), seconds.toFixed(1));
  builds.set(`${schema}:${rows}`, { seconds, cached: false });
  return file;
}

/** How long each scale database took to build (this run, or the run that cached it). */
const builds = new Map<string, { seconds: number; cached: boolean }>();

/**
 * A working copy of a cached database in its own data dir (each measurement starts from the same rows), on disk
 * before the clock starts: otherwise the first fsync of the measured writes would flush the whole copy.
 */
function copyOf(file: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(file, join(dir, DATABASE_FILE));
  const fd = openSync(join(dir, DATABASE_FILE), 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return dir;
}

interface ScaleFigures {
  rows: number;
  /** The store as the engine opens it (its page cache ENGINE_CACHE_KIB, checkpoints in the worker). */
  store: Ingest;
  /** The same with the store's default page cache (CACHE_KIB: `ingest` and the other short commands). */
  storeDefaultCache: Ingest;
  bare: Ingest;
  /** Schema 3's writes by the bare library at this size (the rate before issue 18). */
  before: Ingest | null;
  /** The receipts screen's queries after the ingest, median ms. */
  reads: UiReads;
}

interface UiReads {
  page: number;
  state: number;
  today: number;
  number: number;
}

/** The receipts screen's queries (ReceiptsView, as the app runs them): a page of 50, filtered by state, by day and by receipt number; median of 5. */
function uiReads(store: Store): UiReads {
  const view = new ReceiptsView(store, () => new Date(NOW));
  const day = NOW.slice(0, 10);
  const time = (query: Parameters<ReceiptsView['list']>[0]): number => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      view.list(query);
      times.push(performance.now() - t);
    }
    return median(times);
  };
  return {
    page: time({ limit: 50 }),
    state: time({ states: ['pending'], limit: 50 }),
    today: time({ from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.999Z`, limit: 50 }),
    number: time({ receiptNumber: 'R-4321', limit: 50 }),
  };
}

async function ingestAtScale(rows: number, work: string, jobs: Buffer[], withBefore: boolean, withReads: boolean): Promise<ScaleFigures> {
  const cached = await scaleDatabase(rows, 4);
  const bareJobs = bareRows(jobs);
  const storeAt = async (cacheKiB: number, withReads: boolean): Promise<{ ingest: Ingest; reads: UiReads | null }> => {
    const storeDir = copyOf(cached, join(work, `store-${rows}-${cacheKiB}`));
    const store = await openStore({ dataDir: storeDir, vault: benchVault(), log: silentLogger, checkpointEveryMs: ENGINE_CHECKPOINT_MS, cacheKiB });
    const ingest = measured(jobs.length, () => storeIngest(store, jobs));
    const reads = withReads ? uiReads(store) : null;
    store.close();
    await store.whenClosed();
    rmSync(storeDir, { recursive: true, force: true });
    return { ingest, reads };
  };
  const engine = await storeAt(ENGINE_CACHE_KIB, withReads);
  const defaultCache = await storeAt(CACHE_KIB, false);
  const bareDir = copyOf(cached, join(work, `bare-${rows}`));
  const bareDb = bareConnection(join(bareDir, DATABASE_FILE));
  const bareRate = measured(bareJobs.length, () => bareIngest(bareDb, bareJobs));
  bareDb.close();
  rmSync(bareDir, { recursive: true, force: true });
  let before: Ingest | null = null;
  if (withBefore) {
    const v3Dir = copyOf(await scaleDatabase(rows, 3), join(work, `v3-${rows}`));
    const v3 = bareConnection(join(v3Dir, DATABASE_FILE), true);
    before = measured(bareJobs.length, () => bareIngestV3(v3, bareJobs));
    v3.close();
    rmSync(v3Dir, { recursive: true, force: true });
  }
  return { rows, store: engine.ingest, storeDefaultCache: defaultCache.ingest, bare: bareRate, before, reads: engine.reads ?? { page: NaN, state: NaN, today: NaN, number: NaN } };
}

/** Each figure's median over the rounds (a fresh copy of the same database each time); the UI reads of the first. */
function medianOfRounds(rounds: ScaleFigures[]): ScaleFigures {
  const ingest = (pick: (f: ScaleFigures) => Ingest | null): Ingest | null => {
    const all = rounds.map(pick).filter((i): i is Ingest => i !== null);
    if (all.length === 0) return null;
    const written = all.map((i) => i.writtenPerJob).filter((w): w is number => w !== null);
    return { rate: median(all.map((i) => i.rate)), writtenPerJob: written.length ? median(written) : null };
  };
  return {
    rows: rounds[0]!.rows,
    store: ingest((f) => f.store)!,
    storeDefaultCache: ingest((f) => f.storeDefaultCache)!,
    bare: ingest((f) => f.bare)!,
    before: ingest((f) => f.before),
    reads: rounds[0]!.reads,
  };
}

function singleCommits(commit: (n: number) => void): { p50: number; p99: number } {
  const times: number[] = [];
  for (let n = 0; n < SINGLE_COMMITS; n++) {
    const t = performance.now();
    commit(n);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** A fresh process opens the store over a large database and does what the running bridge does: status, claims, lists. */
function rssWithRows(dataDir: string, rows: number): { rssMb: number; openMs: number } {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const storeUrl = pathToFileURL(join(here, '..', 'main', 'store', 'index.js')).href;
  const logUrl = pathToFileURL(join(here, '..', 'main', 'telemetry', 'log.js')).href;
  const script = `
    import { openStore, storeStatus } from ${JSON.stringify(storeUrl)};
    import { silentLogger } from ${JSON.stringify(logUrl)};
    let key = '';
    for await (const c of process.stdin) key += c;
    const vault = { service: 'bench', get: async () => key.trim(), set: async () => {}, delete: async () => false, probe: async () => {} };
    const t = performance.now();
    const store = await openStore({ dataDir: ${JSON.stringify(dataDir)}, vault, log: silentLogger });
    const openMs = performance.now() - t;
    let peak = process.memoryUsage().rss;
    for (let round = 0; round < 20; round++) {
      const status = storeStatus(store);
      if (status.counts.pending + status.counts.accepted < ${rows}) throw new Error('rows missing');
      const claimed = store.claim(100, 1024 * 1024);
      store.settle(claimed.map((c) => ({ id: c.id, status: 'accepted', irn: 'IRN' })));
      store.list({ state: 'pending', limit: 50 });
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    store.close();
    process.stdout.write(JSON.stringify({ rssMb: peak / 1048576, openMs }));
  `;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: BENCH_KEY, encoding: 'utf8', timeout: 300_000 });
  if (out.status !== 0) throw new Error(`RSS probe failed: ${out.stderr.slice(0, 500)}`);
  return JSON.parse(out.stdout) as { rssMb: number; openMs: number };
}

/** Bytes the database file grows by per receipt journaled (and its outbox row), after a checkpoint; and the journal's share. */
async function bytesOnDisk(dir: string, jobs: Buffer[]): Promise<{ perReceipt: number; printed: number; journaled: number }> {
  const store = await openStore({ dataDir: dir, vault: benchVault(), log: silentLogger });
  const file = join(dir, DATABASE_FILE);
  storeIngest(store, jobs.slice(0, BATCH));
  store.connection.pragma('wal_checkpoint(TRUNCATE)');
  const before = statSync(file).size;
  storeIngest(store, jobs.slice(BATCH));
  store.connection.pragma('wal_checkpoint(TRUNCATE)');
  const grown = statSync(file).size - before;
  const journal = store.connection.prepare('SELECT avg(length(bytes)) AS stored FROM journal').get() as { stored: number };
  store.close();
  const rest = jobs.slice(BATCH);
  return { perReceipt: grown / rest.length, printed: rest.reduce((n, j) => n + j.length, 0) / rest.length, journaled: journal.stored };
}

const rate = (n: Ingest) => Math.round(n.rate).toString();
const written = (n: Ingest) => (n.writtenPerJob === null ? 'not measured (no /proc)' : `${(n.writtenPerJob / 1024).toFixed(1)} KiB`);

export async function run(): Promise<BenchReport[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-store-'));
  try {
    const jobs = Array.from({ length: INGEST_JOBS }, (_, n) => jobBytes(n));

    // Ingest into stores already holding 0, 100,000 and 1,000,000 rows, each against the bare library doing the same writes.
    const largest = Math.max(...SCALES);
    // Rounds, the sizes' order alternating, so a machine that gets busier or quieter meets every size alike; each
    // ratio below is the median of its rounds' ratios (paired within a round), each rate the median of its rounds.
    const rounds: ScaleFigures[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? SCALES : [...SCALES].reverse();
      const figures: ScaleFigures[] = [];
      for (const rows of order) figures.push(await ingestAtScale(rows, dir, jobs, rows === largest, round === 0));
      rounds.push(figures);
    }
    const at = (round: ScaleFigures[], rows: number): ScaleFigures => round.find((f) => f.rows === rows)!;
    const emptyRows = SCALES.includes(0) ? 0 : SCALES[0]!;
    const paired = (rows: number, ratio: (s: ScaleFigures, empty: ScaleFigures) => number): { median: number; low: number; high: number } => {
      const all = rounds.map((r) => ratio(at(r, rows), at(r, emptyRows)));
      return { median: median(all), low: Math.min(...all), high: Math.max(...all) };
    };
    const range = (p: { low: number; high: number }): string => `rounds ${p.low.toFixed(2)}–${p.high.toFixed(2)}`;
    const scales = SCALES.map((rows) => medianOfRounds(rounds.map((r) => at(r, rows))));
    const empty = scales.find((s) => s.rows === emptyRows)!;
    const big = scales.find((s) => s.rows === largest)!;
    const bigVsEmpty = paired(largest, (s, e) => s.store.rate / e.store.rate);
    const bigVsBefore = big.before ? paired(largest, (s) => s.store.rate / s.before!.rate) : null;
    for (const s of scales) {
      const vsEmpty = paired(s.rows, (x, e) => x.store.rate / e.store.rate);
      console.log(`store ingest at ${s.rows} rows: ${rate(s.store)} jobs/s (${vsEmpty.median.toFixed(2)}× an empty store)`);
      if (s.rows !== emptyRows) console.log(`  that ratio over ${ROUNDS} rounds: ${range(vsEmpty)}`);
      console.log(
        `store with its default ${CACHE_KIB / 1024} MiB page cache at ${s.rows} rows: ${rate(s.storeDefaultCache)} jobs/s (${(s.storeDefaultCache.rate / empty.storeDefaultCache.rate).toFixed(2)}× an empty store at that cache)`,
      );
      console.log(`bare library at ${s.rows} rows: ${rate(s.bare)} jobs/s (the store at ${(s.store.rate / s.bare.rate).toFixed(2)}× the bare library)`);
      console.log(`written per job at ${s.rows} rows: store ${written(s.store)}, store with the ${CACHE_KIB / 1024} MiB cache ${written(s.storeDefaultCache)}, bare library ${written(s.bare)}`);
      const r = s.reads;
      console.log(`receipts screen at ${s.rows} rows: page ${r.page.toFixed(1)} ms, pending ${r.state.toFixed(1)} ms, today ${r.today.toFixed(1)} ms, receipt number ${r.number.toFixed(1)} ms`);
    }
    if (big.before) {
      console.log(`schema 3's writes at ${big.rows} rows (bare library, 4 KiB pages): ${rate(big.before)} jobs/s (the store at ${bigVsBefore!.median.toFixed(2)}× that; ${range(bigVsBefore!)})`);
      console.log(`written per job at ${big.rows} rows, schema 3's writes: ${written(big.before)}`);
    }
    for (const [key, b] of builds) {
      const [schema, rows] = key.split(':');
      console.log(`scale database schema ${schema === '4' ? latestVersion() : 3}, ${rows} rows: built in ${b.seconds.toFixed(0)} s${b.cached ? ' (by an earlier run, cached)' : ''}`);
    }

    // Durable single commits: capture → fsynced WAL (synchronous=FULL).
    const store = await openStore({ dataDir: join(dir, 'single'), vault: benchVault(), log: silentLogger });
    const single = singleCommits((n) => store.journal({ deviceId: 'till-1', integration: 'escpos_serial', bytes: jobs[n]!, capturedAt: NOW }));
    // Staging: one serial read (64 bytes) of an unfinished receipt made durable, as the engine does each turn.
    const staging = singleCommits((n) =>
      store.stage([{ stream: 'bench', deviceId: 'till-1', integration: 'escpos_serial', start: n * 64, bytes: jobs[n]!.subarray(0, 64), at: NOW }]),
    );
    store.close();
    const bareDb = bareConnection(join(copyOf(await scaleDatabase(0, 4), join(dir, 'bare-single')), DATABASE_FILE));
    const insert = bareDb.prepare('INSERT INTO journal (device_id, integration, captured_at, journaled_at, sha256, size, encoding, bytes) VALUES (?, ?, ?, ?, ?, ?, 0, ?)');
    const bareSingle = singleCommits((n) => insert.run('till-1', 'escpos_serial', NOW, NOW, 'd'.repeat(64), jobs[n]!.length, jobs[n]!));
    bareDb.close();

    // Bytes at rest: text receipts and 80 mm raster receipts (GS v 0), deflated in the journal.
    const text = await bytesOnDisk(join(dir, 'disk-text'), jobs.slice(0, 2 * BATCH + 2000));
    const raster = await bytesOnDisk(join(dir, 'disk-raster'), Array.from({ length: BATCH + 500 }, (_, n) => rasterJob(n)));

    // The largest store's RSS in a fresh process (a copy: the probe settles rows).
    const rss = rssWithRows(copyOf(await scaleDatabase(largest, 4), join(dir, 'rss')), largest);

    return [
      {
        name: `store: ingest into a store already holding rows (journal + outbox, ${JOB_BYTES} B text jobs, encrypted, batches of ${BATCH})`,
        figures: [
          ...scales.flatMap((s) => [
            {
              label: `bridge ingest at ${s.rows.toLocaleString('en-US')} rows`,
              value: s.store.rate,
              unit: 'jobs/s',
              ...(s.rows > 0 ? { target: { op: '>=' as const, value: 0.8 * empty.store.rate } } : {}),
              ratio: { value: s.store.rate / s.bare.rate, against: 'bare library, same schema and writes, same size', target: { op: '>=' as const, value: 0.8 } },
            },
            {
              label: `store with its default ${CACHE_KIB / 1024} MiB page cache at ${s.rows.toLocaleString('en-US')} rows`,
              value: s.storeDefaultCache.rate,
              unit: 'jobs/s',
              ratio: { value: s.storeDefaultCache.rate / empty.storeDefaultCache.rate, against: 'the same on an empty store' },
            },
            { label: `bare library at ${s.rows.toLocaleString('en-US')} rows`, value: s.bare.rate, unit: 'jobs/s' },
            ...(s.store.writtenPerJob === null || s.bare.writtenPerJob === null
              ? []
              : [
                  {
                    label: `bytes written per job at ${s.rows.toLocaleString('en-US')} rows (WAL, checkpoints)`,
                    value: s.store.writtenPerJob,
                    unit: 'B',
                    ratio: { value: s.store.writtenPerJob / empty.store.writtenPerJob!, against: 'the same on an empty store' },
                  },
                ]),
            ...(['page', 'state', 'today', 'number'] as const).map((k) => ({
              label: `receipts screen at ${s.rows.toLocaleString('en-US')} rows, ${{ page: 'newest 50', state: 'pending only', today: "today's", number: 'receipt number search' }[k]}`,
              value: s.reads[k],
              unit: 'ms',
              ...(s.rows > 0 ? { ratio: { value: s.reads[k] / empty.reads[k], against: 'the same query on the empty store' } } : {}),
            })),
          ]),
          {
            label: `bridge ingest at ${big.rows.toLocaleString('en-US')} rows vs an empty store (median of ${ROUNDS} paired rounds, ${range(bigVsEmpty)})`,
            value: bigVsEmpty.median,
            unit: '×',
            target: { op: '>=', value: 0.8 },
          },
          {
            label: `schema 3's writes (before issue 18), bare library at ${big.rows.toLocaleString('en-US')} rows`,
            value: big.before?.rate ?? 0,
            unit: 'jobs/s',
          },
          {
            label: `bridge ingest at ${big.rows.toLocaleString('en-US')} rows vs schema 3's writes at that size${bigVsBefore ? ` (median of ${ROUNDS} paired rounds, ${range(bigVsBefore)})` : ''}`,
            value: bigVsBefore?.median ?? 0,
            unit: '×',
            target: { op: '>=', value: 2 },
          },
        ],
        notes: [
          `"bridge ingest" is the store as the engine opens it: page cache ${ENGINE_CACHE_KIB / 1024} MiB, WAL checkpoints in a worker every ${ENGINE_CHECKPOINT_MS} ms; the bare library checkpoints in the committing connection, as SQLite does by default, with the store's default ${CACHE_KIB / 1024} MiB cache`,
          `SQLCipher scheme (SQLite3MultipleCiphers, legacy=4, HMAC kept), page size ${PAGE_SIZE}, WAL checkpoint every ${WAL_CHECKPOINT_PAGES.toLocaleString('en-US')} pages, synchronous=FULL; ${INGEST_JOBS.toLocaleString('en-US')} jobs per measurement, ${ROUNDS} rounds per figure (medians; the sizes' order alternates between rounds)`,
          `bytes written: what the process handed to write() during the timed ingest (/proc/self/io wchar: WAL frames and checkpoints); each commit writes every page it changed; transaction ids go to a small recent run (a random page of a few dozen) merged every ${RECENT_IDS_MAX.toLocaleString('en-US')} ids in key order into the large run (main/store/ids.ts)`,
          `scale databases (90 % accepted with history, 10 % pending) built once by bulk SQL and cached in ${tmpdir()}/taxpoynt-bench-store-*; each figure runs on a fresh copy`,
          "schema 3's writes are timed with the bare library (no store layer) and schema 3's connection settings, so the ratio against them understates the gain",
          'the bare library runs the same statements and the schema\'s triggers (an id of the recent run refused) and merges as the store does, but does not check the large run for an id stored before: the store does, through its in-memory filter',
        ],
      },
      {
        name: 'store: durable commit of one captured job (WAL, synchronous=FULL)',
        figures: [
          { label: 'p50', value: single.p50, unit: 'ms' },
          { label: 'p99', value: single.p99, unit: 'ms', target: { op: '<', value: 2 }, ratio: { value: single.p99 / bareSingle.p99, against: 'bare library single-row commit p99' } },
          { label: 'bare library p50', value: bareSingle.p50, unit: 'ms' },
          { label: 'bare library p99', value: bareSingle.p99, unit: 'ms' },
          { label: 'staging one 64-byte read of an unfinished receipt, p50', value: staging.p50, unit: 'ms' },
          { label: 'staging one 64-byte read, p99', value: staging.p99, unit: 'ms', target: { op: '<', value: 2 }, ratio: { value: staging.p99 / bareSingle.p99, against: 'bare library single-row commit p99' } },
        ],
        notes: [`${SINGLE_COMMITS} commits each; the engine stages all reads of one event-loop turn in one commit`],
      },
      {
        name: 'store: bytes on disk per receipt (journal deflated at rest, outbox row, indexes)',
        figures: [
          { label: 'text receipt, whole store (journal, transaction JSON, indexes)', value: text.perReceipt, unit: 'B', ratio: { value: text.perReceipt / text.printed, against: `its ${Math.round(text.printed)} bytes as printed` } },
          { label: 'text receipt, journaled bytes', value: text.journaled, unit: 'B', ratio: { value: text.journaled / text.printed, against: 'as printed', target: { op: '<', value: 0.5 } } },
          { label: 'raster receipt (GS v 0, 576 dots), whole store', value: raster.perReceipt, unit: 'B', ratio: { value: raster.perReceipt / raster.printed, against: `its ${Math.round(raster.printed)} bytes as printed` } },
          { label: 'raster receipt, journaled bytes', value: raster.journaled, unit: 'B', ratio: { value: raster.journaled / raster.printed, against: 'as printed', target: { op: '<', value: 0.5 } } },
        ],
        notes: ['database file growth after a WAL checkpoint, divided by the receipts ingested; sha256 and ids are of the bytes as printed'],
      },
      {
        name: `store: memory with ${largest.toLocaleString('en-US')} rows`,
        figures: [
          { label: 'bridge RSS (open, status, 20 × claim 100 + settle, list)', value: rss.rssMb, unit: 'MB', target: { op: '<', value: 150 } },
          { label: 'open time (no full-table load)', value: rss.openMs, unit: 'ms' },
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
