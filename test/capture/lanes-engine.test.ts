// The virtual printer inside the running engine, over TCP on 127.0.0.1 with a listener standing for the printer (issue 13 §2):
// idle holders never keep a till out, every refusal is logged and counted, idle connections close, a trickling job hands the printer over.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridge, statusFile, type BridgeStatus } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { transactionId } from '../../main/receipts/transaction.js';
import { logFile } from '../../main/telemetry/log.js';
import { KeychainVault } from '../../main/vault/index.js';
import { waitFor } from '../support/wait.js';
import { receiptJob } from '../store/receipt.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);
const cli = join(process.cwd(), 'dist', 'main', 'cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A listener standing for the real network printer: what it receives is the paper, with the time each byte arrived. */
async function printer(): Promise<{ port: number; paper: () => Buffer; at: number[]; close(): void }> {
  const chunks: Buffer[] = [];
  const at: number[] = [];
  const conns = new Set<Socket>();
  const server: Server = createServer((c) => {
    conns.add(c);
    c.on('data', (d: Buffer) => {
      chunks.push(d);
      for (let i = 0; i < d.length; i++) at.push(performance.now());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    paper: () => Buffer.concat(chunks),
    at,
    close: () => {
      for (const c of conns) c.destroy();
      server.close();
    },
  };
}

/** A POS connection; `closed` resolves with the time the bridge closed it and whether it was a reset. */
interface Till {
  socket: Socket;
  opened: number;
  closed: Promise<{ at: number; reset: boolean }>;
}

function till(endpoint: string, sockets: Socket[]): Promise<Till> {
  const [host, port] = [endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))];
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  sockets.push(socket);
  let reset = false;
  socket.on('error', (err: NodeJS.ErrnoException) => (reset ||= err.code === 'ECONNRESET'));
  socket.on('end', () => socket.end());
  const closed = new Promise<{ at: number; reset: boolean }>((r) => socket.on('close', () => r({ at: performance.now(), reset })));
  // A connection the bridge resets can fail before 'connect' fires: it resolves then too, already closed.
  return new Promise((resolve) => {
    const opened = () => resolve({ socket, opened: performance.now(), closed });
    socket.once('connect', opened);
    socket.once('close', opened);
  });
}

const send = (socket: Socket, bytes: Uint8Array) => new Promise<void>((r) => socket.write(bytes, () => r()));

/** Writes `bytes` one byte every `everyMs` (a job that trickles in); resolves when the last byte is written. */
async function trickle(socket: Socket, bytes: Uint8Array, everyMs: number): Promise<number> {
  for (let i = 0; i < bytes.length; i++) {
    await send(socket, bytes.subarray(i, i + 1));
    await sleep(everyMs);
  }
  return performance.now();
}

/** The paper holds `first`'s head, then `other` whole, then the rest of `first`: returns where `other` starts. */
function cutIn(paper: Buffer, first: Buffer, other: Buffer): number {
  expect(paper.length).toBe(first.length + other.length);
  const k = paper.indexOf(other);
  expect(k).toBeGreaterThan(0);
  expect(k).toBeLessThan(first.length);
  expect(Buffer.compare(Buffer.concat([paper.subarray(0, k), paper.subarray(k + other.length)]), first)).toBe(0);
  return k;
}

describe.runIf(hasKeyring)('virtual printer in the engine: lanes never keep a till out (issue 13 §2)', () => {
  let dir: string;
  let bridge: Bridge | undefined;
  let engine: ChildProcessWithoutNullStreams | undefined;
  const sockets: Socket[] = [];
  const closers: Array<() => void> = [];
  const service = `tp-test-lanes-${process.pid}`;
  const env = () => ({ ...process.env, TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE: service, TAXPOYNT_BRIDGE_CLOUD_URL: 'http://127.0.0.1:9', TAXPOYNT_BRIDGE_DATA_DIR: dir });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-lanes-'));
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await bridge?.stop();
    bridge = undefined;
    if (engine && engine.exitCode === null) {
      const exited = new Promise((r) => engine!.once('close', r));
      engine.kill('SIGTERM');
      await exited;
    }
    engine = undefined;
    for (const c of closers.splice(0)) c();
    await new KeychainVault(service).delete('database-key');
    rmSync(dir, { recursive: true, force: true });
  });

  /** The CLI against the running engine's data dir: exit code and stdout. */
  async function cliRun(args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, [cli, ...args], { env: env() });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    return { code, out };
  }

  async function statusJson(): Promise<{ engine: { devices: Array<Record<string, unknown>> } | null; outbox: Record<string, number> }> {
    const { code, out } = await cliRun(['status', '--json']);
    expect(code).toBe(0);
    return JSON.parse(out);
  }

  async function startBridge(device: object): Promise<string> {
    writeConfigFile(join(dir, 'config.json'), { cloud: { base_url: 'http://127.0.0.1:9' }, devices: [{ id: 'till-1', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:0' }, ...device }] });
    bridge = await Bridge.start({ dataDir: dir, configFile: join(dir, 'config.json'), version: '0.1.0-test', vault: new KeychainVault(service), updates: false });
    await waitFor(() => bridge!.status().devices[0]?.printer === 'connected' || (bridge!.status().devices[0]?.printer === 'none' && Boolean(bridge!.status().devices[0]?.endpoint)), 10_000, 'the virtual printer to listen');
    return bridge.status().devices[0]!.endpoint!;
  }

  /** The engine with a virtual printer passing through to a listener standing for the printer. */
  async function startPrinting(device: object): Promise<{ endpoint: string; paper: Awaited<ReturnType<typeof printer>> }> {
    const paper = await printer();
    closers.push(paper.close);
    return { endpoint: await startBridge({ ...device, printer: { tcp: `127.0.0.1:${paper.port}` } }), paper };
  }

  it('`run` with more idle connections than max_lanes: refusals are reset at once, logged with the peer address and counted in `status --json`; the till\'s receipt is journaled and printed identical', async () => {
    const paper = await printer();
    closers.push(paper.close);
    writeConfigFile(join(dir, 'config.json'), {
      cloud: { base_url: 'http://127.0.0.1:9' },
      devices: [{ id: 'till-1', kind: 'virtual_printer', listen: { tcp: '127.0.0.1:0' }, max_lanes: 8, printer: { tcp: `127.0.0.1:${paper.port}` } }],
    });
    engine = spawn(process.execPath, [cli, 'run'], { env: env() });
    engine.stdout.resume();
    engine.stderr.resume();
    // The engine's status file is what `status` reads: polled directly while waiting (a CLI start per poll is slow).
    const snapshot = (): BridgeStatus | null => {
      try {
        return JSON.parse(readFileSync(statusFile(dir), 'utf8')) as BridgeStatus;
      } catch {
        return null;
      }
    };
    await waitFor(() => Boolean(snapshot()?.devices[0]?.endpoint) && snapshot()?.devices[0]?.printer === 'connected', 60_000, 'the engine to listen', 100);
    const endpoint = snapshot()!.devices[0]!.endpoint!;
    // 12 idle holders at once: 8 fill the lanes; the 4 beyond are reset at once (none has been idle long enough to close for them).
    const holders = await Promise.all(Array.from({ length: 12 }, () => till(endpoint, sockets)));
    const outcomes = await Promise.race([Promise.all(holders.slice(8).map((h) => h.closed)), sleep(5000).then(() => null)]);
    expect(outcomes?.map((o) => o.reset)).toEqual([true, true, true, true]);
    await waitFor(() => snapshot()?.devices[0]?.refused?.laneLimit === 4, 15_000, 'the status file to count 4 refusals', 100);
    const device = (await statusJson()).engine!.devices[0]!;
    expect(device).toMatchObject({ id: 'till-1', lanes: 8, refused: { lane_limit: 4, not_allowed: 0, last: { address: '127.0.0.1', reason: 'lane_limit' } } });
    const refusals = readFileSync(logFile(dir), 'utf8').split('\n').filter((l) => l.includes('connection refused'));
    expect(refusals).toHaveLength(4);
    for (const line of refusals) expect(JSON.parse(line)).toMatchObject({ level: 'warn', address: '127.0.0.1', max_lanes: 8 });
    const human = await cliRun(['status']);
    expect(human.out).toMatch(/4 connection\(s\) refused \(4 at the lane limit, 0 not in the allow list\), last from 127\.0\.0\.1/);

    // A real till, a second on: the longest idle holder is closed for it, and its receipt is journaled and printed.
    await sleep(1200);
    const pos = await till(endpoint, sockets);
    const receipt = receiptJob({ number: 'LANE-13' });
    await send(pos.socket, receipt);
    pos.socket.end();
    await waitFor(() => paper.paper().length >= receipt.length, 10_000, 'the receipt on paper');
    expect(Buffer.compare(paper.paper(), receipt)).toBe(0);
    const id = transactionId('till-1', receipt);
    await waitFor(() => snapshot()?.outbox.counts.pending === 1, 15_000, 'the receipt in the outbox', 100);
    const row = JSON.parse((await cliRun(['queue', 'show', id, '--json'])).out);
    expect(row).toMatchObject({ id, state: 'pending', transaction: { receipt_number: 'LANE-13', source: { device_id: 'till-1', integration: 'escpos_tcp', address: '127.0.0.1' } } });
    expect((await pos.closed).reset).toBe(false);
    expect(holders.filter((h) => h.socket.destroyed).length).toBeGreaterThanOrEqual(5);
    await waitFor(() => snapshot()?.devices[0]?.closedIdle === 1, 10_000, 'the status file to count the closed idle holder', 100);
    expect((await statusJson()).engine!.devices[0]).toMatchObject({ closed_idle: 1, refused: { lane_limit: 4 } });
  }, 120_000);

  it('an idle connection is closed after idle_timeout_ms (an active one is not), counted in Bridge.status() with the refusal of a third at max_lanes 2', async () => {
    const endpoint = await startBridge({ max_lanes: 2, idle_timeout_ms: 1000 });
    const idle = await till(endpoint, sockets);
    const active = await till(endpoint, sockets);
    const third = await till(endpoint, sockets);
    expect((await third.closed).reset).toBe(true);
    expect(bridge!.status().devices[0]!.refused).toMatchObject({ laneLimit: 1, notAllowed: 0, last: { address: '127.0.0.1', reason: 'lane_limit' } });
    // The active till sends a status query every 300 ms; the idle one sends nothing.
    let talking = true;
    const talk = (async () => {
      while (talking && !active.socket.destroyed) {
        await send(active.socket, Buffer.from('\x10\x04\x01', 'latin1'));
        await sleep(300);
      }
    })();
    const closed = await Promise.race([idle.closed, sleep(8000).then(() => null)]);
    expect(closed).not.toBeNull();
    const after = closed!.at - idle.opened;
    expect(after).toBeGreaterThanOrEqual(900);
    expect(after).toBeLessThan(4000);
    await sleep(1000);
    expect(active.socket.destroyed).toBe(false);
    talking = false;
    await talk;
    expect(bridge!.status().devices[0]).toMatchObject({ closedIdle: 1, lanes: ['till-1#127.0.0.1-2'] });
  }, 60_000);

  it('a lane trickling 1 byte per 10 ms hands the printer over after max_job_ms: the other till\'s receipt prints first, whole; the trickled one after, complete and in order; both journaled', async () => {
    const { endpoint, paper } = await startPrinting({ idle_ms: 3000, max_job_ms: 1000 });
    const slow = receiptJob({ number: 'SLOW-1' });
    const fast = receiptJob({ number: 'FAST-2', item: 'Egusi Soup' });
    const a = await till(endpoint, sockets);
    const b = await till(endpoint, sockets);
    const trickled = trickle(a.socket, slow, 10);
    await sleep(300);
    const sentAt = performance.now();
    await send(b.socket, fast);
    b.socket.end();
    await waitFor(() => paper.paper().includes(fast), 10_000, 'the other till\'s receipt on paper');
    const printedAt = paper.at[paper.paper().indexOf(fast) + fast.length - 1]!;
    // max_job_ms (1 s) after the trickler took the printer, plus the hand-over check: long before the trickle ends.
    expect(printedAt - sentAt).toBeLessThan(3000);
    const doneAt = await trickled;
    expect(printedAt).toBeLessThan(doneAt);
    a.socket.end();
    await waitFor(() => paper.paper().length === slow.length + fast.length, 10_000, 'the trickled receipt on paper');
    cutIn(paper.paper(), slow, fast);
    await waitFor(() => bridge!.store.counts().pending === 2, 10_000, 'both receipts journaled');
    for (const bytes of [slow, fast]) {
      expect(bridge!.store.get(transactionId('till-1', bytes))!.transaction!.source).toMatchObject({ device_id: 'till-1', address: '127.0.0.1' });
    }
  }, 60_000);

  it('a lane that goes quiet mid-job hands the printer over after idle_ms: the other till prints, then the rest of the first job', async () => {
    const { endpoint, paper } = await startPrinting({ idle_ms: 400, max_job_ms: 60_000 });
    const first = receiptJob({ number: 'QUIET-1' });
    const other = receiptJob({ number: 'OTHER-2', item: 'Egusi Soup' });
    const half = Math.floor(first.length / 2);
    const a = await till(endpoint, sockets);
    const b = await till(endpoint, sockets);
    await send(a.socket, first.subarray(0, half));
    await waitFor(() => paper.paper().length === half, 5000, 'the first half on paper');
    const sentAt = performance.now();
    await send(b.socket, other);
    await waitFor(() => paper.paper().includes(other), 5000, 'the other till\'s receipt on paper while the first lane is still open');
    expect(paper.at.at(-1)! - sentAt).toBeLessThan(2000);
    await send(a.socket, first.subarray(half));
    a.socket.end();
    b.socket.end();
    await waitFor(() => paper.paper().length === first.length + other.length, 5000, 'the rest of the first job on paper');
    expect(cutIn(paper.paper(), first, other)).toBe(half);
  }, 60_000);
});
