// Store figures: encrypted batched ingest vs the bare library (same cipher, page size, rows), plain SQLite, durable single commit, RSS at 1,000,000 pending rows.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Transaction } from '../main/receipts/transaction.js';
import { applyCipher, MIGRATIONS, openStore, PAGE_SIZE, type JournalInput, type ParsedJob, type Store } from '../main/store/index.js';
import { silentLogger } from '../main/telemetry/log.js';
import { MemoryVault } from '../main/vault/index.js';
import type { BenchReport } from './report.js';

const JOB_BYTES = 1200;
const BATCH = 500;
const INGEST_JOBS = 30_000;
const SINGLE_COMMITS = 1500;
const RSS_ROWS = Number(process.env.TAXPOYNT_BENCH_PENDING_ROWS ?? 1_000_000);


function jobBytes(n: number): Buffer {
  const bytes = randomBytes(JOB_BYTES);
  bytes.write(`#${n}#`, 0, 'latin1');
  return bytes;
}

function sampleTransaction(id: string): Transaction {
  return {
    id,
    source: { device_id: 'till-1', integration: 'escpos_serial', profile: 'generic@1', captured_at: '2026-11-26T05:00:00.000Z' },
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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The bridge's batching path: each commit journals the new batch and writes the outbox rows of the
 * batch journaled (and parsed) just before, so every job is durable in the journal before it is parsed.
 */
function storeIngest(store: Store, jobs: Buffer[]): number {
  const start = performance.now();
  let parsed: ParsedJob[] = [];
  for (let i = 0; i < jobs.length; i += BATCH) {
    const inputs: JournalInput[] = jobs.slice(i, i + BATCH).map((bytes) => ({ deviceId: 'till-1', integration: 'escpos_serial', bytes, capturedAt: '2026-11-26T05:00:00.000Z' }));
    const results = store.commitBatch(inputs, parsed);
    parsed = results.map((r) => ({ id: r.id, deviceId: 'till-1', state: 'pending', transaction: sampleTransaction(r.id), problems: [] }));
  }
  store.commitBatch([], parsed);
  return jobs.length / ((performance.now() - start) / 1000);
}

/** The bare library: the same tables, rows and batch size, an insert loop with no layer around it. */
function bareDatabase(file: string, key: string | null): Database.Database {
  const db = new Database(file);
  if (key) applyCipher(db, key);
  db.pragma('journal_mode=WAL');
  db.pragma('synchronous=FULL');
  db.pragma('cache_size=-16384');
  for (const m of MIGRATIONS) m.up(db);
  return db;
}

/** Ids shaped like the bridge's (hash hex, so index inserts land at random places), made before the clock starts. */
function bareIds(count: number): string[] {
  return Array.from({ length: count }, () => `tx_${randomBytes(20).toString('hex')}`);
}

function bareIngest(db: Database.Database, jobs: Buffer[]): number {
  const ids = bareIds(jobs.length);
  const journal = db.prepare(
    'INSERT INTO journal (id, device_id, integration, captured_at, journaled_at, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const outbox = db.prepare('INSERT INTO outbox (id, device_id, state, tx_json, problems_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const now = '2026-11-26T05:00:00.000Z';
  const sha = 'b'.repeat(64);
  const batch = db.transaction((from: number) => {
    for (let i = from; i < Math.min(from + BATCH, jobs.length); i++) {
      const id = ids[i]!;
      journal.run(id, 'till-1', 'escpos_serial', now, now, sha, jobs[i]);
      outbox.run(id, 'till-1', 'pending', JSON.stringify(sampleTransaction(id)), '[]', now, now);
    }
  });
  const start = performance.now();
  for (let i = 0; i < jobs.length; i += BATCH) batch(i);
  return jobs.length / ((performance.now() - start) / 1000);
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

/** Fills RSS_ROWS pending rows through the bare connection (the bridge's own ingest is measured above). */
function fillPending(file: string, key: string): void {
  const db = new Database(file);
  applyCipher(db, key);
  db.pragma('journal_mode=WAL');
  db.pragma('synchronous=OFF');
  const journal = db.prepare('INSERT INTO journal (id, device_id, integration, captured_at, journaled_at, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const outbox = db.prepare('INSERT INTO outbox (id, device_id, state, tx_json, problems_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  // Small journal rows here: the scene is about row count (no full-table loads), and it must fit the bench's time.
  const bytes = randomBytes(64);
  const json = JSON.stringify(sampleTransaction('tx_' + '0'.repeat(40)));
  const now = '2026-11-26T05:00:00.000Z';
  const batch = db.transaction((from: number) => {
    for (let i = from; i < Math.min(from + 5000, RSS_ROWS); i++) {
      const id = `tx_${i.toString(16).padStart(40, '0')}`;
      journal.run(id, 'till-1', 'escpos_serial', now, now, 'c'.repeat(64), bytes);
      outbox.run(id, 'till-1', 'pending', json, '[]', now, now);
    }
  });
  for (let i = 0; i < RSS_ROWS; i += 5000) batch(i);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** A fresh process opens the store over the million rows and does what the running bridge does: status, claims, lists. */
function rssWithPending(dataDir: string, key: string): { rssMb: number; openMs: number } {
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
      if (status.counts.pending < ${RSS_ROWS - 2100}) throw new Error('rows missing');
      const claimed = store.claim(100, 1024 * 1024);
      store.settle(claimed.map((c) => ({ id: c.id, status: 'accepted', irn: 'IRN' })));
      store.list({ state: 'pending', limit: 50 });
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    store.close();
    process.stdout.write(JSON.stringify({ rssMb: peak / 1048576, openMs }));
  `;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: key, encoding: 'utf8', timeout: 120_000 });
  if (out.status !== 0) throw new Error(`RSS probe failed: ${out.stderr.slice(0, 500)}`);
  return JSON.parse(out.stdout) as { rssMb: number; openMs: number };
}

export async function run(): Promise<BenchReport[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-store-'));
  try {
    const vault = new MemoryVault();
    const jobs = Array.from({ length: INGEST_JOBS }, (_, n) => jobBytes(n));
    const key = randomBytes(32).toString('hex');

    // Alternate bridge and bare runs so machine noise hits both; keep the best of each.
    let bridge = 0;
    let bare = 0;
    let plain = 0;
    for (let round = 0; round < 2; round++) {
      const storeDir = join(dir, `store-${round}`);
      const store = await openStore({ dataDir: storeDir, vault: new MemoryVault(), log: silentLogger });
      bridge = Math.max(bridge, storeIngest(store, jobs));
      store.close();
      const bareDb = bareDatabase(join(dir, `bare-${round}.db`), key);
      bare = Math.max(bare, bareIngest(bareDb, jobs));
      bareDb.close();
      const plainDb = bareDatabase(join(dir, `plain-${round}.db`), null);
      plain = Math.max(plain, bareIngest(plainDb, jobs));
      plainDb.close();
      rmSync(storeDir, { recursive: true, force: true });
      rmSync(join(dir, `bare-${round}.db`), { force: true });
      rmSync(join(dir, `plain-${round}.db`), { force: true });
    }

    // Durable single commits: capture → fsynced WAL (synchronous=FULL).
    const store = await openStore({ dataDir: join(dir, 'single'), vault, log: silentLogger });
    const single = singleCommits((n) => store.journal({ deviceId: 'till-1', integration: 'escpos_serial', bytes: jobs[n]!, capturedAt: '2026-11-26T05:00:00.000Z' }));
    // Staging: one serial read (64 bytes) of an unfinished receipt made durable, as the engine does each turn.
    const staging = singleCommits((n) =>
      store.stage([{ stream: 'bench', deviceId: 'till-1', integration: 'escpos_serial', start: n * 64, bytes: jobs[n]!.subarray(0, 64), at: '2026-11-26T05:00:00.000Z' }]),
    );
    store.close();
    const bareDb = bareDatabase(join(dir, 'bare-single.db'), key);
    const insert = bareDb.prepare('INSERT INTO journal (id, device_id, integration, captured_at, journaled_at, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const singleIds = bareIds(SINGLE_COMMITS);
    const bareSingle = singleCommits((n) => insert.run(singleIds[n], 'till-1', 'escpos_serial', 'now', 'now', 'd'.repeat(64), jobs[n]!));
    bareDb.close();

    // A million pending rows: the bridge's RSS in a fresh process.
    const rssDir = join(dir, 'rss');
    const rssVault = new MemoryVault();
    (await openStore({ dataDir: rssDir, vault: rssVault, log: silentLogger })).close();
    const rssKey = (await rssVault.get('database-key'))!;
    const fillStart = performance.now();
    fillPending(join(rssDir, 'bridge.db'), rssKey);
    const fillS = (performance.now() - fillStart) / 1000;
    const rss = rssWithPending(rssDir, rssKey);

    return [
      {
        name: 'store: ingest (journal + outbox, 1.2 KB jobs, encrypted, batches of 500)',
        figures: [
          {
            label: 'bridge ingest',
            value: bridge,
            unit: 'jobs/s',
            target: { op: '>=', value: 40_000 },
            ratio: { value: bridge / bare, against: 'bare better-sqlite3-multiple-ciphers insert loop, same cipher/page size/rows', target: { op: '>=', value: 0.8 } },
          },
          { label: 'bare library, SQLCipher scheme', value: bare, unit: 'jobs/s' },
          { label: 'bare library, plain SQLite (no encryption)', value: plain, unit: 'jobs/s', ratio: { value: bare / plain, against: 'plain: the cost of encryption' } },
        ],
        notes: [`SQLCipher scheme (SQLite3MultipleCiphers, legacy=4, HMAC kept), page size ${PAGE_SIZE}, WAL, synchronous=FULL; best of 2 alternating rounds of ${INGEST_JOBS} jobs`],
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
        name: `store: memory with ${RSS_ROWS.toLocaleString('en-US')} pending rows`,
        figures: [
          { label: 'bridge RSS (open, status, 20 × claim 100 + settle, list)', value: rss.rssMb, unit: 'MB', target: { op: '<', value: 150 } },
          { label: 'open time (no full-table load)', value: rss.openMs, unit: 'ms' },
        ],
        notes: [`${RSS_ROWS.toLocaleString('en-US')} pending rows (64-byte journal bytes, full transaction JSON) written in ${fillS.toFixed(1)} s by the bare library to set the scene`],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
