// How the forwarder uses the link (issue 18 §3–5): a lone receipt goes at once, a hanging request costs one batch, what the cloud said about batch size survives a restart, no listener piles up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileMemory } from '../../main/cloud/learned-limits.js';
import { DEFAULT_REMOTE_CONFIG } from '../../sandbox/server.js';
import { waitFor } from '../support/wait.js';
import { acceptedExactlyOnce, rig, type Rig } from './fixture.js';
import { makeTransaction } from './memory-queue.js';

const open: Array<{ close(): Promise<void> }> = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function make(...args: Parameters<typeof rig>): Promise<Rig> {
  const r = await rig(...args);
  open.push(r);
  return r;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cloud-link-'));
  dirs.push(d);
  return d;
}
const DEFAULT_BATCH = { max_items: 100, max_bytes: 1 << 20, max_wait_ms: 2000 };

describe('latency when idle, batches when busy', () => {
  it('a receipt on an idle link goes at once, not after max_wait_ms', async () => {
    // A long max_wait_ms makes the difference plain even on a loaded machine.
    const r = await make({}, { batch: { ...DEFAULT_BATCH, max_wait_ms: 60_000 } });
    r.forwarder.start();
    await waitFor(() => r.forwarder.status().paired, 5000, 'the pairing loaded');
    for (let i = 1; i <= 3; i++) {
      r.queue.add(makeTransaction(i));
      r.forwarder.nudge();
      await waitFor(() => r.queue.inState('accepted').length === i, 20_000, `receipt ${i} accepted well before max_wait_ms`);
    }
    expect(r.sandbox.state.counters.batch_requests).toBe(3);
  });

  it('receipts that arrive while a batch is out wait for it and go together', async () => {
    const r = await make({ faults: { delayMs: 1500 } }, { batch: { ...DEFAULT_BATCH, max_wait_ms: 60_000 }, concurrency: { initial: 4, max: 8 } });
    r.forwarder.start();
    await waitFor(() => r.forwarder.status().paired, 5000, 'the pairing loaded');
    r.queue.add(makeTransaction(1));
    r.forwarder.nudge();
    await waitFor(() => r.forwarder.status().pace.inFlight === 1, 5000, 'the first batch out');
    for (let i = 2; i <= 6; i++) {
      r.queue.add(makeTransaction(i));
      r.forwarder.nudge();
    }
    await waitFor(() => r.queue.inState('accepted').length === 6, 20_000, 'all six accepted');
    // One batch for the first, one for the five that waited behind it: not one request each.
    expect(r.sandbox.state.counters.batch_requests).toBe(2);
    expect(Object.values(r.sandbox.state.batches).map((b) => b.items).sort()).toEqual([1, 5]);
  });
});

describe('a bad link is not a dead link', () => {
  it('a request held open without an answer costs one batch: the others go beside it and it is retried after the first-byte timeout', async () => {
    const r = await make({}, { batch: { max_items: 2, max_bytes: 1 << 20, max_wait_ms: 0 }, concurrency: { initial: 1, max: 1 }, timeouts: { firstByteMs: 3000 }, stallMs: 300, timeoutMs: 30_000 }, 10);
    r.sandbox.faults.holdRate = 1;
    r.forwarder.start();
    await waitFor(() => (r.sandbox.state.counters.held ?? 0) >= 1, 5000, 'the first batch held open');
    r.sandbox.faults.holdRate = 0;
    // With one slot and a hanging request, the other four batches still go, long before the 3 s timeout.
    await waitFor(() => r.queue.inState('accepted').length >= 8, 2500, 'the other batches delivered while one hangs');
    expect(r.queue.inState('in_flight')).toHaveLength(2);
    await waitFor(() => r.queue.inState('accepted').length === 10, 15_000, 'the held batch retried');
    expect(acceptedExactlyOnce(r)).toBe(true);
  });

  it('remote config max_items and a 413 are remembered across a restart: no batch is built above them again', async () => {
    const dir = tempDir();
    const memory = fileMemory(join(dir, 'cloud-limits.json'));
    const r = await make({ faults: { maxBatchItems: 3 } }, { batch: { max_items: 40, max_bytes: 1 << 20, max_wait_ms: 0 }, memory, remoteConfig: { pollMs: 3600_000 } }, 12);
    r.sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 7, batch: { ...DEFAULT_REMOTE_CONFIG.batch, max_items: 20 } });
    await r.forwarder.pollConfigNow();
    r.forwarder.start();
    await r.forwarder.syncNow();
    const tooLargeBefore = r.sandbox.state.counters.by_status['413'] ?? 0;
    expect(tooLargeBefore).toBeGreaterThan(0);
    expect(r.forwarder.currentLimits().max_items).toBeLessThanOrEqual(3);
    await r.forwarder.stop();

    // A new process: same limits file, fresh forwarder, no config poll (remoteConfig off in this rig).
    const again = await make({ faults: { maxBatchItems: 3 } }, { batch: { max_items: 40, max_bytes: 1 << 20, max_wait_ms: 0 }, memory: fileMemory(join(dir, 'cloud-limits.json')) }, 12);
    expect(again.forwarder.currentLimits().max_items).toBeLessThanOrEqual(3);
    again.forwarder.start();
    await again.forwarder.syncNow();
    expect(again.sandbox.state.counters.by_status['413'] ?? 0).toBe(0);
    expect(acceptedExactlyOnce(again)).toBe(true);
  });

  it('remote config limits alone (no 413 yet) stand after a restart until the next poll', async () => {
    const dir = tempDir();
    const first = await make({}, { batch: { max_items: 40, max_bytes: 1 << 20, max_wait_ms: 0 }, memory: fileMemory(join(dir, 'cloud-limits.json')), remoteConfig: { pollMs: 3600_000 } });
    first.sandbox.setRemoteConfig({ ...DEFAULT_REMOTE_CONFIG, version: 3, batch: { ...DEFAULT_REMOTE_CONFIG.batch, max_items: 4 } });
    first.forwarder.start();
    await first.forwarder.pollConfigNow();
    expect(first.forwarder.currentLimits().max_items).toBe(4);
    expect(first.lines.some((l) => l.includes('remote config overrides a local setting') && l.includes('batch.max_items'))).toBe(true);
    await first.close();
    open.splice(open.indexOf(first), 1);
    const later = await make({ faults: { maxBatchItems: 4 } }, { batch: { max_items: 40, max_bytes: 1 << 20, max_wait_ms: 0 }, memory: fileMemory(join(dir, 'cloud-limits.json')) }, 9);
    later.forwarder.start();
    await later.forwarder.syncNow();
    expect(Object.values(later.sandbox.state.batches).every((b) => b.items <= 4)).toBe(true);
    expect(later.sandbox.state.counters.by_status['413'] ?? 0).toBe(0);
  });
});

describe('a forwarder that runs for months', () => {
  it('adds no abort listener per request: 150 batches raise no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const r = await make({}, { batch: { max_items: 1, max_bytes: 1 << 20, max_wait_ms: 0 }, concurrency: { initial: 2, max: 2 } }, 150);
      r.forwarder.start();
      await r.forwarder.syncNow();
      expect(r.queue.inState('accepted')).toHaveLength(150);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});
