// Spooler take-over figures on a private cupsd: latency from `lp` to the printer's first byte with the bridge in front of the queue, against a queue printing straight to the same listener, interleaved in the same run.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CupsSpooler, takeover } from '../main/capture/spooler/index.js';
import { Bridge } from '../main/engine/bridge.js';
import { writeConfigFile } from '../main/engine/config.js';
import { MemoryVault } from '../main/vault/index.js';
import { printReceipt, randomReceiptSpec } from '../sandbox/receipt-printer.js';
import { privateCupsProblem, startPrivateCups } from '../sandbox/private-cups.js';
import { mulberry32 } from '../sandbox/seeded-random.js';
import type { BenchReport } from './report.js';
import { percentile } from './stats.js';

const exec = promisify(execFile);
const JOBS = Number(process.env.TAXPOYNT_BENCH_SPOOLER_JOBS ?? 40);


/** The printer stand-in: the time of the first byte after each `mark()`, and a byte count to know a job is through. */
async function printer() {
  let received = 0;
  let firstAfterMark: number | null = null;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => {
      if (firstAfterMark === null) firstAfterMark = performance.now();
      received += d.length;
    });
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    mark() {
      firstAfterMark = null;
      return received;
    },
    async waitFor(total: number, timeoutMs = 30_000): Promise<number> {
      const until = Date.now() + timeoutMs;
      while (received < total) {
        if (Date.now() > until) throw new Error(`the printer did not receive the job in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 1));
      }
      return firstAfterMark!;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

export async function run(): Promise<BenchReport> {
  const name = 'spooler take-over (lp → printer first byte, private cupsd)';
  const problem = privateCupsProblem();
  if (problem) return { name, figures: [], notes: [`skipped: ${problem}`] };
  const cups = await startPrivateCups();
  const paper = await printer();
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-spooler-'));
  let bridge: Bridge | null = null;
  try {
    const uri = `socket://127.0.0.1:${paper.port}`;
    for (const q of ['STRAIGHT', 'BRIDGED', 'VIAQUEUE']) await cups.tool('lpadmin', ['-p', q, '-E', '-v', uri]);
    const dataDir = join(dir, 'data');
    const configFile = join(dataDir, 'config.json');
    const backend = new CupsSpooler({ env: cups.env });
    const devices = [];
    devices.push((await takeover({ backend, dataDir, queue: 'BRIDGED', id: 'bridged' })).device);
    devices.push((await takeover({ backend, dataDir, queue: 'VIAQUEUE', id: 'viaqueue', via: 'queue' })).device);
    writeConfigFile(configFile, { cloud: { base_url: 'http://127.0.0.1:9' }, devices });
    bridge = await Bridge.start({ dataDir, configFile, version: 'bench', vault: new MemoryVault(), env: cups.env, updates: false, forwarder: { idlePollMs: 60_000 } });

    const rng = mulberry32(17);
    const files: string[] = [];
    for (let i = 0; i < 8; i++) {
      const file = join(dir, `job-${i}.bin`);
      writeFileSync(file, printReceipt(randomReceiptSpec(rng)));
      files.push(file);
    }
    const sizes = files.map((f) => statSync(f).size);
    const times: Record<string, number[]> = { STRAIGHT: [], BRIDGED: [], VIAQUEUE: [] };
    const once = async (queue: string, i: number) => {
      const before = paper.mark();
      const t0 = performance.now();
      await exec('lp', ['-d', queue, '-o', 'raw', files[i % files.length]!], { env: cups.env });
      const first = await paper.waitFor(before + sizes[i % files.length]!);
      times[queue]!.push(first - t0);
      // Let the bridge's lane close and the scheduler settle before the next job.
      await new Promise((r) => setTimeout(r, 30));
    };
    // Warm-up (filters, the bridge's printer connection), then the three paths interleaved job by job.
    for (const q of Object.keys(times)) await once(q, 0);
    for (const q of Object.keys(times)) times[q] = [];
    for (let i = 0; i < JOBS; i++) for (const q of i % 2 ? ['STRAIGHT', 'BRIDGED', 'VIAQUEUE'] : ['BRIDGED', 'STRAIGHT', 'VIAQUEUE']) await once(q, i);

    const stats = (q: string) => {
      const s = [...times[q]!].sort((a, b) => a - b);
      return { p50: percentile(s, 50), p99: percentile(s, 99) };
    };
    const straight = stats('STRAIGHT');
    const bridged = stats('BRIDGED');
    const viaQueue = stats('VIAQUEUE');
    const journaled = bridge.store.list({ limit: 10_000 }).length;
    return {
      name,
      figures: [
        { label: 'queue straight to the printer, p50', value: straight.p50, unit: 'ms' },
        { label: 'queue straight to the printer, p99', value: straight.p99, unit: 'ms' },
        { label: 'bridge in front (direct to the socket printer), p50', value: bridged.p50, unit: 'ms', ratio: { value: bridged.p50 / straight.p50, against: 'straight p50' } },
        { label: 'bridge in front (direct to the socket printer), p99', value: bridged.p99, unit: 'ms', ratio: { value: bridged.p99 / straight.p99, against: 'straight p99' } },
        { label: 'added by the bridge, p99', value: bridged.p99 - straight.p99, unit: 'ms', target: { op: '<', value: 50 } },
        { label: 'added by the bridge, p50', value: bridged.p50 - straight.p50, unit: 'ms' },
        { label: 'bridge through the hidden direct queue (usb:// printers), p99', value: viaQueue.p99, unit: 'ms', ratio: { value: viaQueue.p99 / straight.p99, against: 'straight p99' } },
        { label: 'added through the hidden direct queue, p99', value: viaQueue.p99 - straight.p99, unit: 'ms' },
      ],
      notes: [
        `${JOBS} jobs per path (${Math.min(...sizes)}–${Math.max(...sizes)} bytes), interleaved; ${journaled} distinct receipts journaled by the bridge (${files.length} receipts per bridged path; the same bytes twice are one journal entry)`,
        `machine: ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} at the end (absolute times move with the load; compare the paths)`,
        'the hidden direct queue is a second CUPS job: it is used only when the original device URI cannot be written to directly (usb://, ipp://)',
      ],
    };
  } finally {
    await bridge?.stop().catch(() => undefined);
    paper.close();
    await cups.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
