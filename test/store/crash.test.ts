// SIGKILL at random moments while jobs are ingested: every acknowledged job is present exactly once and the database is sound.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resumeJournal } from '../../main/engine/pipeline.js';
import { transactionId } from '../../main/receipts/transaction.js';
import { harness, type Harness } from './harness.js';
// @ts-expect-error plain ESM helper shared with the child process
import { crashJob } from './crash-jobs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, 'crash-child.mjs');
const built = existsSync(join(here, '..', '..', 'dist', 'main', 'store', 'index.js'));
const KILLS = Number(process.env.TAXPOYNT_CRASH_KILLS ?? 50);

// Two lanes (own data dir and keychain entry each) run side by side: a child needs ~1.5 s to start on this 2-core machine.
const LANES = 2;
let lanes: Harness[] = [];
beforeEach(() => {
  lanes = Array.from({ length: LANES }, (_, i) => harness(`crash${i}`));
});
afterEach(async () => {
  for (const h of lanes) await h.cleanup();
});

/** Runs the child until it is killed `delayMs` after it starts (or after its first ack when afterAck); returns the acks it printed. */
function runAndKill(h: Harness, start: number, delayMs: number, afterAck: boolean): Promise<Array<{ n: number; id: string }>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, h.dataDir, String(start)], {
      env: { ...process.env, TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: h.vault.service },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Array<{ n: number; id: string }> = [];
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => proc.kill('SIGKILL');
    if (!afterAck) timer = setTimeout(kill, delayMs);
    const guard = setTimeout(kill, 20_000);
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = /^ack (\d+) (tx_[0-9a-f]+)$/.exec(line);
        if (!m) continue;
        if (afterAck && acks.length === 0) timer = setTimeout(kill, delayMs);
        acks.push({ n: Number(m[1]), id: m[2]! });
      }
    });
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code}: ${stderr.slice(0, 2000)}`));
      else resolve(acks);
    });
  });
}

async function lane(h: Harness, kills: number, seed: number): Promise<Map<number, string>> {
  const acked = new Map<number, string>();
  let next = 1;
  let rng = seed;
  const random = () => (rng = (rng * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let k = 0; k < kills; k++) {
    // Half the kills land anywhere in the process's life (start-up, recovery, ingest), half while jobs stream in.
    const afterAck = k % 2 === 1;
    const delay = afterAck ? Math.floor(random() * 300) : 50 + Math.floor(random() * 1500);
    const acks = await runAndKill(h, next, delay, afterAck);
    for (const a of acks) {
      const known = acked.get(a.n);
      if (known) expect(a.id).toBe(known);
      acked.set(a.n, a.id);
    }
    if (acks.length) next = Math.max(next, ...acks.map((a) => a.n + 1));
  }
  return acked;
}

async function verify(h: Harness, acked: Map<number, string>, kills: number): Promise<void> {
  const store = await h.open();
  resumeJournal(store);
  expect(store.integrity()).toEqual([]);
  const db = store.connection;
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  // Each job once (its bytes' digest), one outbox row per journal row (one receipt each), none awaiting a parse.
  expect(count('SELECT count(*) AS n FROM journal')).toBe(count('SELECT count(DISTINCT sha256) AS n FROM journal'));
  expect(count('SELECT count(*) AS n FROM outbox')).toBe(count('SELECT count(*) AS n FROM journal'));
  expect(count('SELECT count(*) AS n FROM journal WHERE parsed = 0')).toBe(0);
  for (const [n, id] of acked) {
    const bytes: Buffer = crashJob(n);
    expect(id).toBe(transactionId('till-crash', bytes));
    const entry = store.readJournal(id);
    expect(entry, `acknowledged job ${n}`).not.toBeNull();
    expect(Buffer.from(entry!.bytes).equals(bytes)).toBe(true);
    // Parsed (the generic parser holds these for review), or given up after repeated kills mid-parse.
    const row = store.get(id)!;
    if (row.state !== 'review') expect(row).toMatchObject({ state: 'unparsed', problems: [{ code: 'parse_interrupted' }] });
  }
  // Nothing stored that was never sent: at most the acknowledged jobs plus one in flight per kill.
  expect(count('SELECT count(*) AS n FROM journal')).toBeLessThanOrEqual(acked.size + kills);
}

describe.skipIf(!built)('crash safety', () => {
  it(`keeps every acknowledged job exactly once across ${KILLS} SIGKILLs`, { timeout: 60_000 + KILLS * 3000 }, async () => {
    const perLane = Math.ceil(KILLS / LANES);
    const results = await Promise.all(lanes.map((h, i) => lane(h, perLane, 0x2f6b1d + i * 7919)));
    const total = results.reduce((n, acked) => n + acked.size, 0);
    expect(total).toBeGreaterThan(KILLS);
    for (let i = 0; i < LANES; i++) await verify(lanes[i]!, results[i]!, perLane);
  });
});
