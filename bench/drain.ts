// Drain figures: 100,000 receipts forwarded from the real encrypted outbox on disk (claim, send to the sandbox, settle), against the same drain from memory.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Forwarder } from '../main/cloud/forwarder.js';
import { ENGINE_CHECKPOINT_MS, KEY_NAME, openStore, PAGE_SIZE, type ForwardQueue, type Store } from '../main/store/index.js';
import { silentLogger } from '../main/telemetry/log.js';
import { MemoryVault } from '../main/vault/index.js';
import { BenchQueue, benchTransaction, paired } from './cloud.js';
import { sandboxProcess } from './engine-rig.js';
import type { BenchReport } from './report.js';

const ROWS = Number(process.env.TAXPOYNT_BENCH_DRAIN_ROWS ?? 100_000);
const BATCH = 100;

/** `ROWS` pending receipts in the store, each with its journal row, written in transactions of 10,000 (the fill is not measured). */
function fill(store: Store, prefix: string): void {
  const db = store.connection;
  const journal = db.prepare(
    `INSERT INTO journal (device_id, integration, captured_at, journaled_at, sha256, size, parsed, bytes) VALUES ('till-1', 'escpos_tcp', ?, ?, ?, 412, 1, randomblob(300))`,
  );
  const outbox = db.prepare(
    `INSERT INTO outbox (id, journal_seq, receipt_index, byte_start, byte_end, device_id, state, receipt_number, tx_json, created_at, updated_at)
     VALUES (?, ?, 0, 0, 412, 'till-1', 'pending', ?, ?, ?, ?)`,
  );
  const at = '2026-11-24T12:45:00.000Z';
  for (let from = 0; from < ROWS; from += 10_000) {
    db.transaction(() => {
      for (let n = from; n < Math.min(ROWS, from + 10_000); n++) {
        const tx = benchTransaction(prefix, n, 'till-1');
        const seq = Number(journal.run(at, at, tx.raw.sha256).lastInsertRowid);
        outbox.run(tx.id, seq, tx.receipt_number, JSON.stringify(tx), at, at);
      }
    })();
  }
}

interface DrainFigures {
  seconds: number;
  cpuMsPer1000: number;
  requests: number;
  accepted: number;
}

/** Drains `queue` into a fresh sandbox with the engine's forwarder (batches of 100, no rate limit). */
async function drain(queue: ForwardQueue): Promise<DrainFigures> {
  const sandbox = await sandboxProcess();
  try {
    const vault = await paired(sandbox.url);
    const forwarder = new Forwarder({
      baseUrl: sandbox.url,
      queue,
      vault,
      log: silentLogger,
      batch: { max_items: BATCH, max_bytes: 1 << 20, max_wait_ms: 0 },
      rate: { max_rps: 1000 },
      agentVersion: 'bench',
      remoteConfig: false,
    });
    const cpu = process.cpuUsage();
    const started = performance.now();
    forwarder.start();
    await forwarder.syncNow();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const requests = forwarder.status().counters.requests;
    await forwarder.stop();
    return { seconds, cpuMsPer1000: (used.user + used.system) / 1000 / (ROWS / 1000), requests, accepted: queue.counts().accepted };
  } finally {
    sandbox.stop();
  }
}

export async function run(): Promise<BenchReport[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-drain-'));
  try {
    const vault = new MemoryVault();
    await vault.set(KEY_NAME, createHash('sha256').update('taxpoynt-bench-drain').digest('hex'));
    // The store as the engine opens it: checkpoints from the worker thread, in-flight rows its own.
    const store = await openStore({ dataDir: dir, vault, log: silentLogger, recoverInFlight: true, checkpointEveryMs: ENGINE_CHECKPOINT_MS });
    const filling = performance.now();
    fill(store, 'D-');
    const fillSeconds = (performance.now() - filling) / 1000;
    const disk = await drain(store);
    const left = store.counts();
    const historyRows = store.connection.prepare('SELECT count(*) FROM outbox_history').pluck().get() as number;
    store.close();
    if (disk.accepted !== ROWS || left.pending + left.in_flight > 0) throw new Error(`the store drained ${disk.accepted} of ${ROWS}`);
    if (historyRows !== 2 * ROWS) throw new Error(`expected two history rows per receipt, found ${historyRows}`);
    // The baseline: the same drain from an outbox in memory.
    const memory = await drain(new BenchQueue(ROWS, 'M-'));
    if (memory.accepted !== ROWS) throw new Error(`the memory queue drained ${memory.accepted} of ${ROWS}`);

    const rate = (f: DrainFigures) => ROWS / f.seconds;
    console.log(`drain from the encrypted outbox on disk: ${ROWS} rows in ${disk.seconds.toFixed(1)} s, ${Math.round(rate(disk))} rows/s, CPU ${disk.cpuMsPer1000.toFixed(0)} ms per 1,000 rows`);
    console.log(`drain from memory (baseline): ${ROWS} rows in ${memory.seconds.toFixed(1)} s, ${Math.round(rate(memory))} rows/s, CPU ${memory.cpuMsPer1000.toFixed(0)} ms per 1,000 rows`);
    return [
      {
        name: `drain: ${ROWS.toLocaleString('en-US')} receipts from the encrypted outbox on disk to the sandbox (claim, send, settle)`,
        figures: [
          { label: 'drain rate from the outbox on disk', value: rate(disk), unit: 'rows/s', ratio: { value: rate(disk) / rate(memory), against: 'the same drain from memory, same run' } },
          {
            label: 'bridge CPU per 1,000 rows (disk)',
            value: disk.cpuMsPer1000,
            unit: 'ms',
            ratio: { value: disk.cpuMsPer1000 / memory.cpuMsPer1000, against: 'CPU per 1,000 draining from memory' },
          },
          { label: 'drain time from disk', value: disk.seconds, unit: 's' },
          { label: 'drain rate from memory (baseline)', value: rate(memory), unit: 'rows/s' },
          { label: 'bridge CPU per 1,000 rows (memory)', value: memory.cpuMsPer1000, unit: 'ms' },
        ],
        notes: [
          `the store as the engine opens it (SQLCipher, ${PAGE_SIZE / 1024} KiB pages, synchronous=FULL, WAL checkpoints in a worker); each claim and each settle is one durable commit with its history rows`,
          `batches of ${BATCH}, ${disk.requests} requests from disk and ${memory.requests} from memory; the sandbox runs in its own process, so the CPU figure is the bridge's (process CPU, worker thread included)`,
          `the outbox was filled with ${ROWS.toLocaleString('en-US')} pending receipts in ${fillSeconds.toFixed(1)} s before the clock started`,
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
