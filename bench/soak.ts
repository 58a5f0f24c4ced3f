// The soak bench (issue 18 §6), opt-in: capture → sandbox at 10 receipts a second for BENCH_SOAK_MINUTES (default 30), the engine's RSS and heap each minute, growth after warm-up.
import { readFileSync } from 'node:fs';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEngineRig } from './engine-rig.js';
import { formatReport, type BenchReport } from './report.js';

/** `npm run bench` skips this module; `node dist/bench/run.js soak` (or `node dist/bench/soak.js [minutes]`) runs it. */
export const optIn = true;

const RATE = 10;
const MB = 1024 * 1024;

setFlagsFromString('--expose-gc');
/** A full collection before each reading, so the heap figure is what is kept, not what is waiting to be collected. */
const gc = runInNewContext('gc') as () => void;

interface Reading {
  minute: number;
  rss: number;
  heap: number;
  /** What RSS is made of (MB): V8's committed heap, Buffers outside it, and the kernel's split of RSS (Linux). */
  parts: { heapTotal: number; external: number; anon: number | null; file: number | null; shmem: number | null };
  printed: number;
  accepted: number;
  pending: number;
}

/** RssAnon, RssFile and RssShmem from /proc/self/status (MB); null off Linux. */
function kernelRss(): { anon: number | null; file: number | null; shmem: number | null } {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { anon: null, file: null, shmem: null };
  }
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) / 1024 : null;
  };
  return { anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
}

function reading(minute: number, printed: number, accepted: number, pending: number): Reading {
  gc();
  const m = process.memoryUsage();
  return {
    minute,
    rss: m.rss / MB,
    heap: m.heapUsed / MB,
    parts: { heapTotal: m.heapTotal / MB, external: m.external / MB, ...kernelRss() },
    printed,
    accepted,
    pending,
  };
}

function describe(r: Reading): string {
  const p = r.parts;
  const kernel = p.anon === null ? '' : `; anon ${p.anon.toFixed(1)}, file ${p.file!.toFixed(1)}, shmem ${p.shmem!.toFixed(1)} MB`;
  return `RSS ${r.rss.toFixed(1)} MB, heap ${r.heap.toFixed(1)} MB (V8 committed ${p.heapTotal.toFixed(1)}, external ${p.external.toFixed(1)}${kernel})`;
}

/** Least-squares slope of `value` over the readings' minutes, per 10 minutes: one noisy reading moves it far less than a two-point difference. */
function slopePer10(readings: Reading[], value: (r: Reading) => number): number {
  const n = readings.length;
  if (n < 2) return 0;
  const mx = readings.reduce((s, r) => s + r.minute, 0) / n;
  const my = readings.reduce((s, r) => s + value(r), 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const r of readings) {
    sxy += (r.minute - mx) * (value(r) - my);
    sxx += (r.minute - mx) ** 2;
  }
  return sxx === 0 ? 0 : (sxy / sxx) * 10;
}

export async function run(minutes = Number(process.env.BENCH_SOAK_MINUTES ?? 30)): Promise<BenchReport> {
  if (!(minutes > 0)) throw new Error(`BENCH_SOAK_MINUTES must be a positive number of minutes, not "${process.env.BENCH_SOAK_MINUTES}"`);
  const warmup = Math.min(10, minutes / 2);
  const snapshots = process.env.BENCH_SOAK_SNAPSHOTS;
  const rig = await startEngineRig('soak');
  const readings: Reading[] = [];
  let peakRss = 0;
  let printed = 0;
  let accepted = 0;
  let waiting: string[] = [];
  try {
    const start = performance.now();
    const end = start + minutes * 60_000;
    readings.push(reading(0, 0, 0, 0));
    console.log(`soak minute 0: ${describe(readings[0]!)}`);
    let nextMinute = 1;
    for (let i = 0; ; i++) {
      const due = start + (i * 1000) / RATE;
      if (due >= end) break;
      const now = performance.now();
      if (due > now) await new Promise((r) => setTimeout(r, due - now));
      waiting.push((await rig.print()).receiptNumber);
      printed++;
      peakRss = Math.max(peakRss, process.memoryUsage.rss() / MB);
      if (performance.now() - start >= nextMinute * 60_000) {
        // Count what was accepted and let the rig forget it, so the bench's own bookkeeping does not grow.
        const done = waiting.filter((n) => rig.acceptedAt(n) !== undefined);
        waiting = waiting.filter((n) => rig.acceptedAt(n) === undefined);
        accepted += done.length;
        rig.forget(done);
        const r = reading(nextMinute, printed, accepted, rig.bridge.status().outbox.counts.pending);
        readings.push(r);
        console.log(`soak minute ${r.minute}: ${describe(r)}, printed ${r.printed}, accepted ${r.accepted}, pending ${r.pending}`);
        if (snapshots && nextMinute === Math.ceil(warmup)) console.log(`heap snapshot: ${writeHeapSnapshot(join(snapshots, `soak-${nextMinute}m.heapsnapshot`))}`);
        nextMinute++;
      }
    }
    await rig.waitAccepted(waiting, 60_000);
    accepted += waiting.length;
    rig.forget(waiting);
    if (readings[readings.length - 1]!.minute < minutes) {
      const r = reading(minutes, printed, accepted, rig.bridge.status().outbox.counts.pending);
      readings.push(r);
      console.log(`soak minute ${r.minute}: ${describe(r)}, printed ${r.printed}, accepted ${r.accepted}, pending ${r.pending}`);
    }
    if (snapshots) console.log(`heap snapshot: ${writeHeapSnapshot(join(snapshots, `soak-end.heapsnapshot`))}`);
  } finally {
    await rig.stop();
  }
  const atWarmup = readings.find((r) => r.minute >= warmup) ?? readings[readings.length - 1]!;
  const last = readings[readings.length - 1]!;
  const span = Math.max(1e-9, last.minute - atWarmup.minute);
  // Growth after warm-up: the least-squares slope through every reading from the end of warm-up on (a two-point
  // difference over a 5-minute tail doubles the noise of two single readings); the two-point figure is printed beside it.
  const after = readings.filter((r) => r.minute >= atWarmup.minute);
  const rssGrowth = slopePer10(after, (r) => r.rss);
  const heapGrowth = slopePer10(after, (r) => r.heap);
  const rssEnds = ((last.rss - atWarmup.rss) / span) * 10;
  const first = readings[0]!;
  console.log(
    `soak growth after minute ${atWarmup.minute}: RSS ${rssGrowth.toFixed(2)} MB per 10 minutes, heap ${heapGrowth.toFixed(2)} MB per 10 minutes; peak RSS ${peakRss.toFixed(1)} MB` +
      ` (slope through ${after.length} readings; minute ${atWarmup.minute} to ${last.minute} end to end: RSS ${rssEnds.toFixed(2)} MB per 10 minutes)`,
  );
  for (const part of ['heapTotal', 'external', 'anon', 'file', 'shmem'] as const) {
    if (after.some((r) => r.parts[part] === null)) continue;
    console.log(`soak growth after minute ${atWarmup.minute}, ${part}: ${slopePer10(after, (r) => r.parts[part]!).toFixed(2)} MB per 10 minutes`);
  }
  return {
    name: `soak: capture → sandbox at ${RATE} receipts/s for ${minutes} min`,
    figures: [
      { label: `RSS growth after minute ${atWarmup.minute}, per 10 minutes`, value: rssGrowth, unit: 'MB', target: { op: '<', value: 1 } },
      { label: `heap growth after minute ${atWarmup.minute}, per 10 minutes`, value: heapGrowth, unit: 'MB', target: { op: '<', value: 1 } },
      { label: 'peak RSS', value: peakRss, unit: 'MB', target: { op: '<', value: 200 } },
      { label: `RSS growth after minute ${atWarmup.minute}, end to end (two readings), per 10 minutes`, value: rssEnds, unit: 'MB' },
      { label: 'RSS at the start (baseline)', value: first.rss, unit: 'MB' },
      { label: 'RSS at the end', value: last.rss, unit: 'MB', ratio: { value: last.rss / first.rss, against: 'RSS at the start' } },
      { label: 'heap at the end', value: last.heap, unit: 'MB', ratio: { value: last.heap / Math.max(1e-9, atWarmup.heap), against: `heap at minute ${atWarmup.minute}` } },
      { label: 'receipts accepted of printed (1 = all)', value: accepted / Math.max(1, printed), unit: '', target: { op: '>=', value: 1 } },
    ],
    notes: [
      `${printed} receipts printed on a socat pty, engine at its default config, SQLCipher store on disk, sandbox in its own process; heap read after a full GC; RSS is this process (engine + the till's writer)`,
      `minutes: ${readings.map((r) => `${r.minute}: ${r.rss.toFixed(1)}/${r.heap.toFixed(1)}`).join(', ')} (RSS/heap MB)`,
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await run(process.argv[2] ? Number(process.argv[2]) : undefined);
  console.log(formatReport(report));
}
