// Capture figures: pass-through latency added by the virtual printer (vs a bare TCP relay), status answers with the printer absent (vs a bare answering server), a till's wait beside a trickling lane (vs none) and pass-through with 60 idle connections open (vs none), the cost of staging unfinished receipts, sustained 4-port capture at 115,200 baud: CPU share, bytes lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { createSource, DeviceConfig, type CapturedJob, type CaptureSink, type CaptureSource } from '../main/capture/index.js';
import { CaptureQueue } from '../main/engine/capture-queue.js';
import { openStore } from '../main/store/index.js';
import { silentLogger } from '../main/telemetry/log.js';
import { MemoryVault } from '../main/vault/index.js';
import type { BenchReport } from './report.js';
import { percentile } from './stats.js';

const MESSAGES = 2000;
const SUSTAIN_MS = 6000;
const PORTS = 4;
const BAUD = 115_200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** One receipt line per message; a cut every 40 lines so the decoder closes receipts as a till would. */
function message(i: number): Buffer {
  const line = Buffer.from(`Item ${String(i).padStart(6, '0')} ................ ${(i % 997) + 1}.00\n`, 'latin1');
  return i % 40 === 39 ? Buffer.concat([line, Buffer.from('\x1dV\x00\x1b@', 'latin1')]) : line;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
}

/** The "printer": counts bytes and wakes the waiting sender when a message has fully arrived. */
async function printerServer(): Promise<{ port: number; server: Server; waitFor(total: number): Promise<number>; close(): void }> {
  let received = 0;
  let want = Infinity;
  let wake: ((t: number) => void) | null = null;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('data', (d) => {
      received += d.length;
      if (received >= want && wake) {
        const w = wake;
        wake = null;
        w(performance.now());
      }
    });
  });
  const port = await listen(server);
  return {
    port,
    server,
    waitFor: (total) =>
      new Promise((resolve) => {
        want = total;
        if (received >= total) resolve(performance.now());
        else wake = resolve;
      }),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

interface Path {
  pos: Socket;
  printer: Awaited<ReturnType<typeof printerServer>>;
  total: number;
  times: number[];
}

async function openPath(port: number, printer: Path['printer']): Promise<Path> {
  const pos = connect({ host: '127.0.0.1', port });
  pos.setNoDelay(true);
  await new Promise((r) => pos.once('connect', r));
  return { pos, printer, total: 0, times: [] };
}

/** Sends one message and times it until the printer has all of it. */
async function timeOne(path: Path, i: number): Promise<void> {
  const m = message(i);
  path.total += m.length;
  const t0 = performance.now();
  path.pos.write(m);
  const t1 = await path.printer.waitFor(path.total);
  if (i >= 50) path.times.push(t1 - t0); // warm-up excluded
}

const nullSink: CaptureSink = { job: () => undefined, terminalEvent: () => undefined, deviceState: () => undefined };

async function latency(): Promise<BenchReport> {
  // Baseline: a bare relay that writes each chunk on to its printer, nothing else.
  const p1 = await printerServer();
  const relayToPrinter = connect({ host: '127.0.0.1', port: p1.port });
  relayToPrinter.setNoDelay(true);
  await new Promise((r) => relayToPrinter.once('connect', r));
  const relay = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => relayToPrinter.write(d));
  });
  const relayPort = await listen(relay);

  // The virtual printer: capture (decoder, jobs to the sink) plus pass-through to a TCP printer.
  const p2 = await printerServer();
  const jobs: CapturedJob[] = [];
  const vp = createSource(
    DeviceConfig.parse({ id: 'bench', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:0' }, printer: { tcp: `127.0.0.1:${p2.port}` } }),
    { ...nullSink, job: (j) => jobs.push(j) },
    { log: silentLogger },
  ) as CaptureSource & { endpoint: string };
  await vp.start();
  while (vp.status().printer !== 'connected') await sleep(5);

  // Alternate the two paths message by message, so both see the same machine noise.
  const bare = await openPath(relayPort, p1);
  const through = await openPath(Number(vp.endpoint.split(':')[1]), p2);
  for (let i = 0; i < MESSAGES; i++) {
    await timeOne(bare, i);
    await timeOne(through, i);
  }
  bare.pos.destroy();
  through.pos.destroy();
  relayToPrinter.destroy();
  relay.close();
  p1.close();
  await vp.stop();
  p2.close();

  const b = bare.times.sort((x, y) => x - y);
  const v = through.times.sort((x, y) => x - y);
  const [b50, b99, v50, v99] = [percentile(b, 50), percentile(b, 99), percentile(v, 50), percentile(v, 99)];
  return {
    name: 'capture: virtual printer pass-through latency (TCP in → TCP printer, 127.0.0.1)',
    figures: [
      { label: 'bare TCP relay p50', value: b50, unit: 'ms' },
      { label: 'bare TCP relay p99', value: b99, unit: 'ms' },
      { label: 'virtual printer p50', value: v50, unit: 'ms' },
      { label: 'virtual printer p99', value: v99, unit: 'ms', ratio: { value: v99 / b99, against: 'bare relay p99' } },
      { label: 'added latency p50', value: v50 - b50, unit: 'ms' },
      { label: 'added latency p99', value: v99 - b99, unit: 'ms', target: { op: '<', value: 5 } },
    ],
    notes: [
      `${MESSAGES - 50} receipt lines per path timed one at a time (50 warm-up), paths alternated, a cut every 40 lines; ${jobs.length} jobs captured.`,
      `machine load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores: p99 on a busy machine is scheduling noise shared by both paths.`,
    ],
  };
}

/** A child process plays 4 POS lanes printing at line rate (115,200 baud 8N1 ≈ 11,520 bytes/s each). */
function startWriters(paths: string[], ms: number, tickMs = 100): { proc: ChildProcess; done: Promise<number[]> } {
  const script = `
const fs = require('fs');
const paths = process.argv.slice(1);
const fds = paths.map((p) => fs.openSync(p, 'w'));
const perTick = ${Math.round((BAUD / 10) * (tickMs / 1000))};
const sent = paths.map(() => 0);
let n = 0;
function receipt(lane, k) {
  let s = '\\x1b@LANE ' + lane + ' RECEIPT ' + k + '\\n';
  for (let i = 0; i < 30; i++) s += 'Item ' + i + ' ................ ' + (i * 7 + k) + '.00\\n';
  return Buffer.from(s + 'TOTAL 1234.00\\n\\x1dV\\x00', 'latin1');
}
const buffers = paths.map((_, lane) => { const parts = []; for (let k = 0; k < 400; k++) parts.push(receipt(lane, k)); return Buffer.concat(parts); });
const ends = paths.map(() => 0);
const start = Date.now();
const t = setInterval(() => {
  const due = Math.floor((Date.now() - start) / ${tickMs}) + 1;
  for (let lane = 0; lane < fds.length; lane++) {
    const target = Math.min(due * perTick, buffers[lane].length);
    if (target > sent[lane]) { fs.writeSync(fds[lane], buffers[lane], sent[lane], target - sent[lane]); sent[lane] = target; }
  }
  if (Date.now() - start >= ${ms}) {
    clearInterval(t);
    // Finish on a receipt boundary so every byte belongs to a whole receipt.
    for (let lane = 0; lane < fds.length; lane++) {
      const b = buffers[lane]; let end = sent[lane];
      const cut = b.indexOf(Buffer.from('\\x1dV\\x00', 'latin1'), Math.max(0, end - 3));
      end = cut < 0 ? b.length : cut + 3;
      if (end > sent[lane]) fs.writeSync(fds[lane], b, sent[lane], end - sent[lane]);
      sent[lane] = end;
    }
    process.stdout.write(JSON.stringify(sent));
    setTimeout(() => process.exit(0), 200);
  }
}, ${Math.min(10, tickMs)});
`;
  const proc = spawn(process.execPath, ['-e', script, ...paths], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  const done = new Promise<number[]>((resolve, reject) => proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`writer exited ${code}`)))));
  return { proc, done };
}

async function ptys(dir: string, n: number): Promise<{ a: string[]; b: string[]; procs: ChildProcess[] }> {
  const a: string[] = [];
  const b: string[] = [];
  const procs: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    a.push(join(dir, `pos${i}`));
    b.push(join(dir, `tap${i}`));
    procs.push(spawn('socat', [`pty,raw,echo=0,link=${a[i]}`, `pty,raw,echo=0,link=${b[i]}`], { stdio: 'ignore' }));
  }
  for (let t = 0; t < 500 && ![...a, ...b].every(existsSync); t++) await sleep(10);
  return { a, b, procs };
}

async function measureCpu<T>(run: () => Promise<T>): Promise<{ result: T; cpuMs: number; wallMs: number }> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const result = await run();
  const c = process.cpuUsage(c0);
  return { result, cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - w0 };
}

async function sustained(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-capture-'));
  const { a, b, procs } = await ptys(dir, PORTS);
  try {
    // Baseline: the same four ports read by bare serialport readers that only count bytes.
    const bare = await measureCpu(async () => {
      const ports = await Promise.all(
        b.map(async (path) => {
          const port = new SerialPort({ path, baudRate: BAUD, autoOpen: false });
          await new Promise<void>((r, j) => port.open((e) => (e ? j(e) : r())));
          let n = 0;
          port.on('data', (d: Buffer) => (n += d.length));
          return { port, count: () => n };
        }),
      );
      const w = startWriters(a, SUSTAIN_MS);
      const sent = await w.done;
      await sleep(300);
      const got = ports.reduce((s, p) => s + p.count(), 0);
      await Promise.all(ports.map((p) => new Promise<void>((r) => p.port.close(() => r()))));
      return { sent: sent.reduce((x, y) => x + y, 0), got };
    });

    // Capture: four serial taps with the decoder, each receipt handed to a sink that copies it as the journal would.
    let captured = 0;
    let jobs = 0;
    const sink: CaptureSink = {
      job: (j) => {
        captured += Buffer.from(j.bytes).length;
        jobs++;
      },
      terminalEvent: () => undefined,
      deviceState: () => undefined,
    };
    const sources = b.map((path, i) => createSource(DeviceConfig.parse({ id: `lane-${i}`, kind: 'serial_tap', path, baud_rate: BAUD }), sink, { log: silentLogger }));
    const cap = await measureCpu(async () => {
      await Promise.all(sources.map((s) => s.start()));
      const w = startWriters(a, SUSTAIN_MS);
      const sent = await w.done;
      await sleep(300);
      const held = sources.reduce((n, s) => n + s.status().bytes, 0);
      await Promise.all(sources.map((s) => s.stop()));
      const unclaimed = sources.reduce((n, s) => n + s.status().unclaimedBytes, 0);
      return { sent: sent.reduce((x, y) => x + y, 0), read: held, unclaimed };
    });
    const share = (cpuMs: number, wallMs: number) => (100 * cpuMs) / wallMs;
    const bareShare = share(bare.cpuMs, bare.wallMs);
    const capShare = share(cap.cpuMs, cap.wallMs);
    const lost = cap.result.sent - captured - cap.result.unclaimed;
    return {
      name: `capture: sustained serial tap, ${PORTS} ptys at ${BAUD.toLocaleString('en-US')} baud line rate for ${SUSTAIN_MS / 1000} s`,
      figures: [
        { label: 'bytes sent (all ports)', value: cap.result.sent, unit: 'bytes' },
        { label: 'receipts captured', value: jobs, unit: 'jobs' },
        { label: 'bytes lost', value: lost, unit: 'bytes', target: { op: '<=', value: 0 } },
        { label: 'bare serialport readers CPU share', value: bareShare, unit: '% of one core' },
        { label: 'capture CPU share', value: capShare, unit: '% of one core', ratio: { value: capShare / bareShare, against: 'bare readers' } },
      ],
      notes: [
        `bare readers got ${bare.result.got} of ${bare.result.sent} bytes; capture read ${cap.result.read}, journaled ${captured} in jobs, ${cap.result.unclaimed} unclaimed.`,
        'ptys do not enforce a baud rate: the writer (a child process) paces each lane at 11,520 bytes/s.',
      ],
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await sleep(100);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Four serial taps at line rate with reads every 16 ms (a USB-serial adapter's latency), into a real store. */
async function stagingCost(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-staging-'));
  const { a, b, procs } = await ptys(dir, PORTS);
  try {
    const runs: Record<string, { share: number; sent: number; journaled: number; staged: number }> = {};
    for (const staging of [false, true]) {
      const store = await openStore({ dataDir: join(dir, `store-${staging}`), vault: new MemoryVault(), log: silentLogger });
      // The engine's own hand-off (CaptureQueue), journaling each job as Bridge does, less the parse.
      let journaled = 0;
      const queue = new CaptureQueue(
        store,
        (job) => {
          store.journal({ deviceId: job.deviceId, integration: job.integration, bytes: job.bytes, capturedAt: job.capturedAt, consumes: job.consumes });
          journaled += job.bytes.length;
        },
        { staging },
      );
      const sink: CaptureSink = { ...nullSink, ...queue.sink };
      const sources = b.map((path, i) => createSource(DeviceConfig.parse({ id: `lane-${i}`, kind: 'serial_tap', path, baud_rate: BAUD }), sink, { log: silentLogger }));
      const run = await measureCpu(async () => {
        await Promise.all(sources.map((s) => s.start()));
        const sent = await startWriters(a, SUSTAIN_MS, 16).done;
        await sleep(300);
        await Promise.all(sources.map((s) => s.stop()));
        await sleep(50);
        return sent.reduce((x, y) => x + y, 0);
      });
      const staged = store.stagedStreams().reduce((n, st) => n + st.bytes.length, 0);
      store.close();
      runs[String(staging)] = { share: (100 * run.cpuMs) / run.wallMs, sent: run.result, journaled, staged };
    }
    const off = runs['false']!;
    const on = runs['true']!;
    return {
      name: `capture → store: staging cost, ${PORTS} ptys at line rate, reads every 16 ms, for ${SUSTAIN_MS / 1000} s`,
      figures: [
        { label: 'capture + journal CPU share (no staging)', value: off.share, unit: '% of one core' },
        { label: 'capture + staging + journal CPU share', value: on.share, unit: '% of one core', ratio: { value: on.share / off.share, against: 'without staging' } },
        { label: 'staging added', value: on.share - off.share, unit: '% of one core' },
        { label: 'bytes left staged after a clean stop', value: on.staged, unit: 'bytes', target: { op: '<=', value: 0 } },
      ],
      notes: [`sent ${on.sent} bytes, journaled ${on.journaled} (without staging: sent ${off.sent}, journaled ${off.journaled}); encrypted store, synchronous=FULL.`],
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await sleep(100);
    rmSync(dir, { recursive: true, force: true });
  }
}

const STATUS_QUERIES = 500;

/** Sends one query and resolves with the round trip once `bytes` answer bytes have come back. */
function roundTrip(pos: Socket, query: Buffer, bytes: number): Promise<number> {
  return new Promise((resolve) => {
    let got = 0;
    const t0 = performance.now();
    const onData = (d: Buffer) => {
      got += d.length;
      if (got < bytes) return;
      pos.off('data', onData);
      resolve(performance.now() - t0);
    };
    pos.on('data', onData);
    pos.write(query);
  });
}

/**
 * DLE EOT status queries with the printer switched off: the bridge answers in its place (the POS
 * would otherwise stall the till). Baseline: a bare server that answers every byte it reads.
 */
async function statusAnswers(): Promise<BenchReport> {
  const bare = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(Buffer.alloc(d.length, 0x12)));
  });
  const barePort = await listen(bare);
  // A printer address nobody listens on: the link stays "absent" and the bridge must answer itself.
  const dead = createServer();
  const deadPort = await listen(dead);
  await new Promise((r) => dead.close(r));
  const vp = createSource(
    DeviceConfig.parse({ id: 'bench', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:0' }, printer: { tcp: `127.0.0.1:${deadPort}` } }),
    nullSink,
    { log: silentLogger },
  ) as CaptureSource & { endpoint: string };
  await vp.start();
  const toBare = connect({ host: '127.0.0.1', port: barePort });
  const toBridge = connect({ host: '127.0.0.1', port: Number(vp.endpoint.split(':')[1]) });
  for (const s of [toBare, toBridge]) s.setNoDelay(true);
  await Promise.all([toBare, toBridge].map((s) => new Promise((r) => s.once('connect', r))));
  toBridge.write(Buffer.from('\x1b@', 'latin1'));
  const query = Buffer.from('\x10\x04\x01', 'latin1');
  const b: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < STATUS_QUERIES; i++) {
    const tb = await roundTrip(toBare, Buffer.of(0x10), 1);
    const tv = await roundTrip(toBridge, query, 1);
    if (i >= 20) {
      b.push(tb);
      v.push(tv);
    }
  }
  const absent = vp.status().printer;
  toBare.destroy();
  toBridge.destroy();
  bare.close();
  await vp.stop();
  b.sort((x, y) => x - y);
  v.sort((x, y) => x - y);
  const [b99, v50, v99] = [percentile(b, 99), percentile(v, 50), percentile(v, 99)];
  return {
    name: 'capture: status queries (DLE EOT) answered by the bridge with the printer absent',
    figures: [
      { label: 'bare answering server p99', value: b99, unit: 'ms' },
      { label: 'bridge answer p50', value: v50, unit: 'ms' },
      { label: 'bridge answer p99', value: v99, unit: 'ms', target: { op: '<', value: 50 }, ratio: { value: v99 / b99, against: 'bare server p99' } },
      { label: 'bridge answer max', value: v.at(-1)!, unit: 'ms' },
    ],
    notes: [`${STATUS_QUERIES - 20} queries per path (20 warm-up), alternated; printer link state during the run: ${absent}.`],
  };
}

/** A "printer" that keeps what it receives, to find when one job's bytes have all arrived among another lane's. */
async function paperServer(): Promise<{ port: number; until(bytes: Buffer): Promise<number>; close(): void }> {
  let paper = Buffer.alloc(0);
  let waiting: { bytes: Buffer; wake: (t: number) => void } | null = null;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('data', (d) => {
      paper = Buffer.concat([paper, d]);
      if (waiting && paper.includes(waiting.bytes)) {
        const w = waiting;
        waiting = null;
        w.wake(performance.now());
      }
    });
  });
  const port = await listen(server);
  return {
    port,
    until: (bytes) =>
      new Promise((resolve) => {
        if (paper.includes(bytes)) resolve(performance.now());
        else waiting = { bytes, wake: resolve };
      }),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A virtual printer on 127.0.0.1 passing jobs through to the TCP printer on `printerPort`, once that link is up. */
async function passThrough(printerPort: number, settings: object = {}): Promise<CaptureSource & { endpoint: string }> {
  const vp = createSource(
    DeviceConfig.parse({ id: 'bench', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:0' }, ...settings, printer: { tcp: `127.0.0.1:${printerPort}` } }),
    nullSink,
    { log: silentLogger },
  ) as CaptureSource & { endpoint: string };
  await vp.start();
  for (let t = 0; t < 2000 && vp.status().printer !== 'connected'; t++) await sleep(5);
  return vp;
}

async function tcpLane(endpoint: string): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port: Number(endpoint.split(':')[1]) });
  s.setNoDelay(true);
  s.on('error', () => undefined);
  await new Promise((r) => s.once('connect', r));
  return s;
}

const TRICKLE_SAMPLES = 6;
const TRICKLE_EVERY_MS = 100;
const TRICKLE_MAX_JOB_MS = 1000;

/**
 * Issue 13 §2: a till's job while another lane trickles its job in (1 byte every 100 ms, never quiet for
 * idle_ms) against the same job with no trickler, alternated in the same run. The wait is bounded by
 * max_job_ms (set to 1 s here), not by the trickle's length.
 */
export async function trickleWait(): Promise<BenchReport> {
  const paper = await paperServer();
  const vp = await passThrough(paper.port, { idle_ms: 2000, max_job_ms: TRICKLE_MAX_JOB_MS });
  const job = (k: number, lane: string) => Buffer.concat([Buffer.from(`\x1b@${lane} RECEIPT ${k}\n`, 'latin1'), ...Array.from({ length: 30 }, (_, i) => message(k * 100 + i))]);
  /** Sends the job on a fresh lane and times it until the printer has all of it. */
  const timed = async (k: number): Promise<number> => {
    const lane = await tcpLane(vp.endpoint);
    const bytes = job(k, 'TILL');
    const t0 = performance.now();
    lane.write(bytes);
    const t1 = await paper.until(bytes);
    lane.destroy();
    return t1 - t0;
  };
  const alone: number[] = [];
  const trickled: number[] = [];
  let trickleBytes = 0;
  for (let k = 0; k < TRICKLE_SAMPLES; k++) {
    alone.push(await timed(2 * k));
    // The trickler takes the printer first, then the till prints.
    const slow = await tcpLane(vp.endpoint);
    const slowJob = job(2 * k + 1, 'SLOW');
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < slowJob.length) slow.write(slowJob.subarray(sent, ++sent));
    }, TRICKLE_EVERY_MS);
    await sleep(2 * TRICKLE_EVERY_MS);
    trickled.push(await timed(2 * k + 1000));
    clearInterval(drip);
    trickleBytes = slowJob.length;
    // The rest of the trickled job goes out at once: it still reaches the paper whole.
    slow.end(slowJob.subarray(sent));
    await paper.until(slowJob.subarray(sent));
    slow.destroy();
    await sleep(50);
  }
  await vp.stop();
  paper.close();
  alone.sort((x, y) => x - y);
  trickled.sort((x, y) => x - y);
  const [a50, aMax, t50, tMax] = [percentile(alone, 50), alone.at(-1)!, percentile(trickled, 50), trickled.at(-1)!];
  return {
    name: 'capture: a till waiting for the printer while another lane trickles its job (virtual printer, 127.0.0.1)',
    figures: [
      { label: 'wait with no trickler p50', value: a50, unit: 'ms' },
      { label: 'wait with no trickler max', value: aMax, unit: 'ms' },
      { label: 'wait beside a trickler p50', value: t50, unit: 'ms', ratio: { value: t50 / a50, against: 'no trickler p50' } },
      { label: 'wait beside a trickler max', value: tMax, unit: 'ms', ratio: { value: tMax / TRICKLE_MAX_JOB_MS, against: `max_job_ms (${TRICKLE_MAX_JOB_MS} ms)`, target: { op: '<', value: 1.5 } } },
      { label: 'the trickled job alone would hold the printer', value: trickleBytes * TRICKLE_EVERY_MS, unit: 'ms' },
    ],
    notes: [
      `${TRICKLE_SAMPLES} samples per case, alternated; the trickler sends 1 byte every ${TRICKLE_EVERY_MS} ms (never quiet for idle_ms = 2 s) and starts ${2 * TRICKLE_EVERY_MS} ms before the till prints (it has the printer from its first byte); max_job_ms = ${TRICKLE_MAX_JOB_MS} ms (default 10 s).`,
    ],
  };
}

const IDLE_HOLDERS = 60;

/** Issue 13 §2: pass-through latency with 60 idle POS connections held open on the virtual printer, against one with none, alternated message by message. */
export async function idleHolders(): Promise<BenchReport> {
  const p1 = await printerServer();
  const p2 = await printerServer();
  const bare = await passThrough(p1.port);
  const held = await passThrough(p2.port);
  const holders = await Promise.all(Array.from({ length: IDLE_HOLDERS }, () => tcpLane(held.endpoint)));
  const none = await openPath(Number(bare.endpoint.split(':')[1]), p1);
  const busy = await openPath(Number(held.endpoint.split(':')[1]), p2);
  // A client's connect completes before the bridge's accept runs: wait until every lane is the bridge's.
  for (let t = 0; t < 1000 && held.status().lanes!.length < IDLE_HOLDERS + 1; t++) await sleep(5);
  const lanes = held.status().lanes!.length;
  for (let i = 0; i < MESSAGES; i++) {
    await timeOne(none, i);
    await timeOne(busy, i);
  }
  const stillOpen = holders.filter((h) => !h.destroyed).length;
  for (const s of [...holders, none.pos, busy.pos]) s.destroy();
  await bare.stop();
  await held.stop();
  p1.close();
  p2.close();
  const n = none.times.sort((x, y) => x - y);
  const h = busy.times.sort((x, y) => x - y);
  const [n50, n99, h50, h99] = [percentile(n, 50), percentile(n, 99), percentile(h, 50), percentile(h, 99)];
  return {
    name: `capture: virtual printer pass-through with ${IDLE_HOLDERS} idle POS connections held open (TCP in → TCP printer, 127.0.0.1)`,
    figures: [
      { label: 'no idle connections p50', value: n50, unit: 'ms' },
      { label: 'no idle connections p99', value: n99, unit: 'ms' },
      { label: `${IDLE_HOLDERS} idle connections p50`, value: h50, unit: 'ms' },
      { label: `${IDLE_HOLDERS} idle connections p99`, value: h99, unit: 'ms', ratio: { value: h99 / n99, against: 'no idle connections p99' } },
    ],
    notes: [
      `${MESSAGES - 50} receipt lines per virtual printer timed one at a time (50 warm-up), alternated; ${lanes} lanes open while measuring (${IDLE_HOLDERS} idle + the printing one), ${stillOpen} idle still open at the end (max_lanes 64, idle_timeout_ms 90 s).`,
      `machine load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`,
    ],
  };
}

export async function run(): Promise<BenchReport[]> {
  return [await latency(), await statusAnswers(), await trickleWait(), await idleHolders(), await sustained(), await stagingCost()];
}
