// Capture-to-cloud latency (issue 18 §3): a receipt's last byte on a serial pty to its acceptance by the sandbox, at the bridge's default config, on an idle link and at 20 receipts a second.
import { loadavg } from 'node:os';
import { startEngineRig, type EngineRig } from './engine-rig.js';
import type { BenchReport } from './report.js';
import { percentile } from './stats.js';

const IDLE_RECEIPTS = Number(process.env.BENCH_LATENCY_IDLE ?? 40);
const LOADED_RATE = 20;
const LOADED_SECONDS = Number(process.env.BENCH_LATENCY_LOADED_S ?? 10);


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One receipt at a time, each after the last was accepted and a quiet pause: the link is idle whenever a receipt is printed. */
async function idle(rig: EngineRig): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < IDLE_RECEIPTS + 3; i++) {
    const { receiptNumber, writtenAt } = await rig.print();
    await rig.waitAccepted([receiptNumber], 30_000);
    if (i >= 3) out.push(rig.acceptedAt(receiptNumber)! - writtenAt); // the first three warm up the store, TLS-less keep-alive and JIT
    await sleep(150 + (i % 5) * 50);
  }
  return out;
}

/** LOADED_RATE receipts a second on a fixed schedule (a late print does not push the next one back). */
async function loaded(rig: EngineRig): Promise<{ latencies: number[]; printedPerS: number; acceptedPerS: number; requests: number }> {
  const count = LOADED_RATE * LOADED_SECONDS;
  const printed: Array<{ receiptNumber: string; writtenAt: number }> = [];
  const requestsBefore = rig.bridge.status().cloud.counters.requests;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / LOADED_RATE;
    if (due > performance.now()) await sleep(due - performance.now());
    printed.push(await rig.print());
  }
  const lastPrinted = printed[printed.length - 1]!.writtenAt;
  await rig.waitAccepted(printed.map((p) => p.receiptNumber), 60_000);
  // Both rates over the same receipts: first print to last print, and first accepted to last accepted.
  const accepted = printed.map((p) => rig.acceptedAt(p.receiptNumber)!);
  return {
    latencies: printed.map((p, i) => accepted[i]! - p.writtenAt),
    printedPerS: (count - 1) / ((lastPrinted - printed[0]!.writtenAt) / 1000),
    acceptedPerS: (count - 1) / ((Math.max(...accepted) - Math.min(...accepted)) / 1000),
    requests: rig.bridge.status().cloud.counters.requests - requestsBefore,
  };
}

export async function run(): Promise<BenchReport> {
  const rig = await startEngineRig('latency');
  try {
    const idleMs = (await idle(rig)).sort((a, b) => a - b);
    const load = await loaded(rig);
    const loadMs = [...load.latencies].sort((a, b) => a - b);
    const [i50, i95, l50, l95] = [percentile(idleMs, 50), percentile(idleMs, 95), percentile(loadMs, 50), percentile(loadMs, 95)];
    const count = LOADED_RATE * LOADED_SECONDS;
    // The lines tooling reads (issue 18: "capture to accepted: p50 N ms, p95 N ms").
    console.log(`capture to accepted: p50 ${Math.round(i50)} ms, p95 ${Math.round(i95)} ms`);
    console.log(`capture to accepted at ${LOADED_RATE} receipts/s: p50 ${Math.round(l50)} ms, p95 ${Math.round(l95)} ms`);
    return {
      name: 'latency: capture (last byte on a serial pty) to accepted by the sandbox, default config',
      figures: [
        { label: 'idle link p50', value: i50, unit: 'ms' },
        { label: 'idle link p95', value: i95, unit: 'ms', target: { op: '<', value: 300 }, ratio: { value: i95 / 2000, against: 'the default batch.max_wait_ms (2,000 ms) a lone receipt used to wait' } },
        { label: `${LOADED_RATE} receipts/s p50`, value: l50, unit: 'ms' },
        { label: `${LOADED_RATE} receipts/s p95`, value: l95, unit: 'ms' },
        { label: `printed per second (asked: ${LOADED_RATE})`, value: load.printedPerS, unit: '/s' },
        { label: 'accepted per second, same receipts', value: load.acceptedPerS, unit: '/s', ratio: { value: load.acceptedPerS / load.printedPerS, against: 'the printed rate (goodput kept under load)', target: { op: '>=', value: 0.95 } } },
        { label: `receipts per batch request at ${LOADED_RATE}/s`, value: count / Math.max(1, load.requests), unit: '' },
      ],
      notes: [
        `${IDLE_RECEIPTS} receipts one at a time (3 warm-up), each printed 150-350 ms after the last was accepted; then ${count} receipts at ${LOADED_RATE}/s on a fixed schedule`,
        `acceptance is timed when the bridge reads the sandbox's 200 (the sandbox runs in its own process on 127.0.0.1): an upper bound on the sandbox's own acceptance by one loopback answer`,
        `config: only cloud.base_url and the serial tap are set; load average ${loadavg()[0]!.toFixed(1)} (2 cores)`,
      ],
    };
  } finally {
    await rig.stop();
  }
}
