// Forwarding figures: goodput under a server rate limit (the bridge's forwarder vs naive senders offering 2× and 10× the limit) and the bad-link drain. Backlog drain time and CPU per 1,000 are bench/drain.ts's.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CloudClient } from '../main/cloud/client.js';
import { scaledClock, type Clock } from '../main/cloud/clock.js';
import { Forwarder } from '../main/cloud/forwarder.js';
import { pairDevice } from '../main/cloud/pairing.js';
import { CloudSession } from '../main/cloud/session.js';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Transaction } from '../main/receipts/transaction.js';
import { OUTBOX_STATES, type ForwardQueue, type OutboxState, type Problem } from '../main/store/types.js';
import { silentLogger } from '../main/telemetry/log.js';
import { MemoryVault } from '../main/vault/index.js';
import { DEFAULT_REMOTE_CONFIG, type SandboxState } from '../sandbox/server.js';
import { fileMemory, memoryOnly } from '../main/cloud/learned-limits.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { BenchReport } from './report.js';
import { sandboxProcess } from './engine-rig.js';

/**
 * A server limit of R requests a minute, as the sandbox enforces it: `limit` requests per fixed window of `windowS` seconds
 * (R = limit × 60 ÷ windowS), its clock `scale` times faster than the wall (client and sandbox share one scaled clock).
 * R=60: the real 60 s window at ×3 (20 s of wall time). R=600: a 10 s window of 100 (the same rate) at ×0.5, so the naive
 * sender's 10× R is 30 and 50 requests a second of wall time: more and a loaded 2-core machine cannot keep the schedule.
 */
interface ServerLimit {
  perMinute: number;
  limit: number;
  windowS: number;
  scale: number;
}
export const LIMITS: ServerLimit[] = [
  { perMinute: 60, limit: 60, windowS: 60, scale: 3 },
  { perMinute: 600, limit: 100, windowS: 10, scale: 0.5 },
];
const MEASURED_WINDOWS = 2;
const BATCH_ITEMS = 10;
/** The naive sender offers this many times the limit: one batch every windowS ÷ (limit × k), whatever the server says. */
const NAIVE_OFFERS = [2, 10];

/** An outbox in memory: the forwarder's queue with no store under it (the goodput senders' and the drain bench's baseline). */
export class BenchQueue implements ForwardQueue {
  private readonly rows: Array<{ id: string; json: string; state: OutboxState }> = [];
  private cursor = 0;
  private readonly released: number[] = [];
  private readonly index = new Map<string, number>();
  settled = 0;

  constructor(count: number, prefix: string) {
    for (let i = 0; i < count; i++) {
      const tx = benchTransaction(prefix, i);
      this.index.set(tx.id, this.rows.length);
      this.rows.push({ id: tx.id, json: JSON.stringify(tx), state: 'pending' });
    }
  }
  claim(maxItems: number): Array<{ id: string; json: string }> {
    const out: Array<{ id: string; json: string }> = [];
    while (out.length < maxItems && this.released.length) {
      const row = this.rows[this.released.shift()!]!;
      row.state = 'in_flight';
      out.push(row);
    }
    while (out.length < maxItems && this.cursor < this.rows.length) {
      const row = this.rows[this.cursor++]!;
      row.state = 'in_flight';
      out.push(row);
    }
    return out;
  }
  release(ids: string[]): void {
    for (const id of ids) {
      const i = this.index.get(id)!;
      this.rows[i]!.state = 'pending';
      this.released.push(i);
    }
  }
  settle(results: Array<{ id: string; status: 'accepted' | 'duplicate' | 'rejected'; irn?: string; errors?: Problem[] }>): void {
    for (const r of results) this.rows[this.index.get(r.id)!]!.state = r.status;
    this.settled += results.length;
  }
  counts(): Record<OutboxState, number> {
    const out = Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0])) as Record<OutboxState, number>;
    for (const r of this.rows) out[r.state]++;
    return out;
  }
  oldestPendingAgeS(): number | null {
    return null;
  }
}

/** A valid two-line transaction numbered `prefix` + n, the same for the same arguments. */
export function benchTransaction(prefix: string, n: number, deviceId = 'bench'): Transaction {
  const receipt = `${prefix}${String(n).padStart(7, '0')}`;
  return {
    id: 'tx_' + createHash('sha256').update(receipt).digest('hex').slice(0, 40),
    source: { device_id: deviceId, integration: 'escpos_tcp', profile: 'generic@1', captured_at: '2026-11-24T13:45:00+01:00' },
    receipt_number: receipt,
    terminal_id: 'till-1',
    issued_at: '2026-11-24T13:45:00+01:00',
    document_type: 'sale',
    currency: 'NGN',
    lines: [
      { description: 'Jollof rice', quantity: '2', unit_price: '1250.00', amount: '2500.00', tax_category: 'standard', tax_rate: '7.5' },
      { description: 'Zobo', quantity: '1', unit_price: '500.00', amount: '500.00', tax_category: 'standard', tax_rate: '7.5' },
    ],
    totals: { subtotal: '3000.00', tax: '225.00', total: '3225.00' },
    taxes: [{ type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '3000.00', amount: '225.00' }],
    payments: [{ method: 'card', amount: '3225.00', card_last4: '4242' }],
    raw: { sha256: createHash('sha256').update(receipt).digest('hex'), bytes: 412 },
  };
}


export async function paired(url: string, clock?: Clock): Promise<MemoryVault> {
  const vault = new MemoryVault();
  await pairDevice({ baseUrl: url, vault, clock, onCode: () => undefined });
  return vault;
}

interface GoodputResult {
  goodput: number;
  limitedPerMinute: number;
  /** Requests sent per minute of the sandbox clock in the measured windows (allowed + refused with 429). */
  offeredPerMinute: number;
}

/** Goodput over the measured windows (the first window is warm-up): accepted ÷ (limit × batch size), and 429s and requests per minute. */
async function goodputOf(sandbox: { url: string }, spec: ServerLimit): Promise<GoodputResult> {
  const { counters } = (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as SandboxState;
  const windows = [...new Set([...Object.keys(counters.rate_windows), ...Object.keys(counters.limited_windows)].map(Number))].sort((a, b) => a - b);
  const measured = windows.slice(1, 1 + MEASURED_WINDOWS);
  const sum = (per: Record<string, number>) => measured.reduce((n, w) => n + (per[String(w)] ?? 0), 0);
  const minutes = (measured.length * spec.windowS) / 60;
  return {
    goodput: sum(counters.accepted_windows) / (measured.length * spec.limit * BATCH_ITEMS),
    limitedPerMinute: sum(counters.limited_windows) / minutes,
    offeredPerMinute: (sum(counters.rate_windows) + sum(counters.limited_windows)) / minutes,
  };
}

function limitedSandbox(spec: ServerLimit, origin: number): Promise<{ url: string; stop(): void }> {
  return sandboxProcess(['--rate-limit', `${spec.limit}/${spec.windowS}`, '--time-scale', String(spec.scale), '--time-origin', String(origin)]);
}

/** Enough rows for every window the run covers, refused batches coming back to the queue. */
function goodputQueue(spec: ServerLimit, prefix: string): BenchQueue {
  return new BenchQueue(spec.limit * BATCH_ITEMS * (MEASURED_WINDOWS + 2), prefix);
}

const runLength = (spec: ServerLimit) => spec.windowS * 1000 * (MEASURED_WINDOWS + 1) + 500;

async function adaptiveRun(spec: ServerLimit): Promise<GoodputResult> {
  const origin = Date.now();
  const clock = scaledClock(spec.scale, origin);
  const sandbox = await limitedSandbox(spec, origin);
  try {
    const vault = await paired(sandbox.url, clock);
    const forwarder = new Forwarder({
      baseUrl: sandbox.url,
      queue: goodputQueue(spec, `A${spec.perMinute}-`),
      vault,
      log: silentLogger,
      batch: { max_items: BATCH_ITEMS, max_bytes: 1 << 20, max_wait_ms: 0 },
      rate: { max_rps: 50 },
      agentVersion: 'bench',
      clock,
      remoteConfig: false,
    });
    forwarder.start();
    await sleepVirtual(clock, runLength(spec));
    await forwarder.stop();
    return await goodputOf(sandbox, spec);
  } finally {
    sandbox.stop();
  }
}

/** The baseline: one batch every windowS ÷ (limit × offers), no reading of rate-limit headers, a refused batch is retried at the next tick. */
async function naiveRun(spec: ServerLimit, offers: number): Promise<GoodputResult> {
  const origin = Date.now();
  const clock = scaledClock(spec.scale, origin);
  const sandbox = await limitedSandbox(spec, origin);
  const client = new CloudClient({ baseUrl: sandbox.url, clock });
  const interval = (spec.windowS * 1000) / (spec.limit * offers);
  try {
    const vault = await paired(sandbox.url, clock);
    const session = new CloudSession(client, vault, silentLogger, clock);
    await session.load();
    const queue = goodputQueue(spec, `N${offers}x${spec.perMinute}-`);
    const end = clock.now() + runLength(spec);
    const sends: Promise<void>[] = [];
    // A fixed schedule (start + k·interval), so a busy event loop delays sends but does not drop them.
    const start = clock.now();
    for (let k = 1; clock.now() < end; k++) {
      const rows = queue.claim(BATCH_ITEMS);
      sends.push(
        (async () => {
          const token = await session.accessToken();
          const batchId = 'b_' + randomBytes(12).toString('hex');
          const json = Buffer.from(
            `{"batch_id":"${batchId}","sent_at":"${new Date(clock.now()).toISOString()}","agent":{"agent_id":"${session.agent!.agent_id}","version":"naive"},"transactions":[${rows.map((r) => r.json).join(',')}]}`,
          );
          const answer = await client.sendBatch({ accessToken: token, agentId: session.agent!.agent_id, signingSecret: session.signingSecret(), batchId, json, gzip: gzipSync(json), timestampS: Math.floor(clock.now() / 1000) });
          if (answer.status === 200) queue.settle((answer.body as { results: Array<{ id: string; status: 'accepted' }> }).results);
          else queue.release(rows.map((r) => r.id));
        })().catch(() => queue.release(rows.map((r) => r.id))),
      );
      await sleepVirtual(clock, Math.max(0, start + k * interval - clock.now()));
    }
    await Promise.allSettled(sends);
    return await goodputOf(sandbox, spec);
  } finally {
    client.close();
    sandbox.stop();
  }
}

function sleepVirtual(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, ms));
}

/** issue 18 §4: a cloud that answers 20 % of batches 5xx, resets 10 %, holds 3 % open, allows 120 requests a minute and 4 a batch. */
const BAD_LINK = { fail5xxRate: 0.2, resetRate: 0.1, holdRate: 0.03, rateLimit: { limit: 120, windowS: 60 }, maxBatchItems: 4 };
const BAD_LINK_RECEIPTS = 46;

interface BadLinkResult {
  seconds: number;
  once: boolean;
  requests: number;
  tooLarge: number;
  held: number;
}

/**
 * A restarted bridge with 46 receipts waiting drains them over the bad link. `today`: the forwarder as it was before issue 18
 * (30 s for the first byte, a hanging request holds its slot, nothing remembered across the restart); otherwise the defaults,
 * with what the previous run learned (remote config said 4 a batch) kept in the limits file.
 */
async function badLinkRun(today: boolean, seed: number): Promise<BadLinkResult> {
  const sandbox = await sandboxProcess(['--seed', String(seed), '--faults', JSON.stringify(BAD_LINK)]);
  const dir = mkdtempSync(join(tmpdir(), 'bench-badlink-'));
  try {
    await fetch(`${sandbox.url}/sandbox/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...DEFAULT_REMOTE_CONFIG, version: 2, batch: { ...DEFAULT_REMOTE_CONFIG.batch, max_items: 4 } }) });
    const vault = await paired(sandbox.url);
    const memory = today ? memoryOnly() : fileMemory(join(dir, 'cloud-limits.json'));
    const options = {
      baseUrl: sandbox.url,
      vault,
      log: silentLogger,
      batch: { max_items: 100, max_bytes: 1 << 20, max_wait_ms: 2000 },
      rate: { max_rps: 10 },
      agentVersion: 'bench',
      memory,
      remoteConfig: { pollMs: 5 * 60_000 },
      ...(today ? { timeouts: { firstByteMs: 30_000 }, stallMs: Infinity } : {}),
    };
    if (!today) {
      // The run before the restart: it polled remote config (max_items 4) and kept it.
      const before = new Forwarder({ ...options, queue: new BenchQueue(0, 'none-') });
      before.start();
      await before.pollConfigNow();
      await before.stop();
    }
    const queue = new BenchQueue(BAD_LINK_RECEIPTS, `BAD${seed}${today ? 'T' : 'N'}-`);
    const forwarder = new Forwarder({ ...options, queue });
    const started = performance.now();
    forwarder.start();
    await forwarder.syncNow();
    const seconds = (performance.now() - started) / 1000;
    const requests = forwarder.status().counters.requests;
    await forwarder.stop();
    const state = (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as SandboxState;
    const txs = Object.values(state.transactions);
    const once = queue.settled === BAD_LINK_RECEIPTS && txs.length === BAD_LINK_RECEIPTS && txs.every((t) => t.accepted === 1);
    return { seconds, once, requests, tooLarge: state.counters.by_status['413'] ?? 0, held: state.counters.held ?? 0 };
  } finally {
    sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function badLinkReport(seeds = [1, 2, 3]): Promise<BenchReport> {
  const now: BadLinkResult[] = [];
  const today: BadLinkResult[] = [];
  for (const seed of seeds) {
    // Side by side, one seed at a time: the same faults for both (seeded), the same machine load.
    const [a, b] = await Promise.all([badLinkRun(false, seed), badLinkRun(true, seed)]);
    now.push(a);
    today.push(b);
  }
  const worst = (rs: BadLinkResult[]) => Math.max(...rs.map((r) => r.seconds));
  const mean = (rs: BadLinkResult[], f: (r: BadLinkResult) => number) => rs.reduce((n, r) => n + f(r), 0) / rs.length;
  return {
    name: `cloud: ${BAD_LINK_RECEIPTS} receipts after a restart over a bad link`,
    figures: [
      { label: 'drain time, worst of the seeds', value: worst(now), unit: 's', target: { op: '<', value: 20 }, ratio: { value: worst(now) / worst(today), against: 'the pre-issue-18 forwarder (30 s first byte, a hanging request holds its slot, nothing remembered), same seeds', target: { op: '<', value: 1 } } },
      { label: 'drain time, mean of the seeds', value: mean(now, (r) => r.seconds), unit: 's' },
      { label: 'baseline drain time, mean of the seeds', value: mean(today, (r) => r.seconds), unit: 's' },
      { label: 'every transaction accepted exactly once (1 = yes, all seeds)', value: now.every((r) => r.once) && today.every((r) => r.once) ? 1 : 0, unit: '', target: { op: '>=', value: 1 } },
      { label: '413 answers after the restart', value: mean(now, (r) => r.tooLarge), unit: '', target: { op: '<=', value: 0 }, ratio: { value: mean(now, (r) => r.tooLarge) / Math.max(1e-9, mean(today, (r) => r.tooLarge)), against: 'baseline 413s' } },
      { label: 'batch requests per run', value: mean(now, (r) => r.requests), unit: '' },
    ],
    notes: [
      `faults: ${JSON.stringify(BAD_LINK)}; remote config max_items 4, local 100; seeds ${seeds.join(', ')}; requests held open per run (new, baseline): ${now.map((r) => r.held).join('/')} and ${today.map((r) => r.held).join('/')}`,
    ],
  };
}

export async function goodputReport(spec: ServerLimit): Promise<BenchReport> {
  // The bridge's forwarder and the naive senders side by side, each against its own sandbox: the same machine load.
  const [adaptive, ...naive] = await Promise.all([adaptiveRun(spec), ...NAIVE_OFFERS.map((k) => naiveRun(spec, k))]);
  const figures: BenchReport['figures'] = [
    { label: 'bridge forwarder goodput (accepted ÷ most the limit allows)', value: adaptive.goodput, unit: '', target: { op: '>=', value: 0.95 } },
    { label: 'bridge forwarder 429s per minute after warm-up', value: adaptive.limitedPerMinute, unit: '/min', target: { op: '<=', value: 1 } },
    { label: 'bridge forwarder requests offered per minute', value: adaptive.offeredPerMinute, unit: '/min', ratio: { value: adaptive.offeredPerMinute / spec.perMinute, against: `R=${spec.perMinute}` } },
  ];
  NAIVE_OFFERS.forEach((k, i) => {
    const n = naive[i]!;
    figures.push(
      { label: `naive sender at ${k}× R: requests offered per minute`, value: n.offeredPerMinute, unit: '/min', ratio: { value: n.offeredPerMinute / spec.perMinute, against: `R=${spec.perMinute}` } },
      { label: `naive sender at ${k}× R: goodput`, value: n.goodput, unit: '', ratio: { value: adaptive.goodput / Math.max(n.goodput, 1e-9), against: 'bridge forwarder goodput ÷ this' } },
      { label: `naive sender at ${k}× R: 429s per minute`, value: n.limitedPerMinute, unit: '/min' },
    );
  });
  return {
    name: `cloud: goodput under a server limit of R=${spec.perMinute} requests/min`,
    figures,
    notes: [
      `the sandbox allows ${spec.limit} batch requests per ${spec.windowS} s window (R=${spec.perMinute}/min), its clock ×${spec.scale} (a window passes in ${spec.windowS / spec.scale} s of wall time, client and sandbox in its own process share one scaled clock); first window is warm-up, ${MEASURED_WINDOWS} measured`,
      `batches of ${BATCH_ITEMS} transactions; a naive sender posts on a fixed schedule at ${NAIVE_OFFERS.join('× and ')}× R, ignores rate-limit headers and retries a refused batch at its next tick; figures per minute of the sandbox clock`,
      `machine load average at the end: ${loadavg()[0]!.toFixed(1)} (2 cores): a naive sender that cannot keep its schedule offers less than asked (its offered rate is printed)`,
    ],
  };
}

export async function run(): Promise<BenchReport[]> {
  const reports: BenchReport[] = [];
  for (const spec of LIMITS) reports.push(await goodputReport(spec));
  reports.push(await badLinkReport());
  return reports;
}
