// Real pseudo-terminal pairs made by socat for the capture tests: a "POS" end and a "device" end, killed after each test.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { waitFor as poll } from '../support/wait.js';
import type { CapturedJob, CaptureSink, DeviceState, TerminalEvent } from '../../main/capture/index.js';

export interface PtyPair {
  /** The end the test drives (the POS, or the real printer). */
  a: string;
  /** The end the bridge opens. */
  b: string;
  proc: ChildProcess;
  kill(): Promise<void>;
  /** Starts socat again on the same link names (a cable plugged back in). */
  replug(): Promise<void>;
}

const procs = new Set<ChildProcess>();
const dirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tp-capture-'));
  dirs.push(dir);
  return dir;
}


function startSocat(a: string, b: string): ChildProcess {
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  procs.add(proc);
  proc.on('exit', () => procs.delete(proc));
  return proc;
}

/**
 * Pulls the cable: the links go first, then socat. Removing the links before socat closes its pty
 * masters means a reconnect attempt in between finds nothing; otherwise it could follow a stale link
 * to a pty number the kernel has just handed to another test's socat, and stay "connected" to it.
 */
async function stopProc(proc: ChildProcess, a: string, b: string): Promise<void> {
  rmSync(a, { force: true });
  rmSync(b, { force: true });
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
  await poll(() => !existsSync(a) && !existsSync(b), 2000, 'socat links to go', 10);
}

export async function ptyPair(dir: string, name: string): Promise<PtyPair> {
  const a = join(dir, `${name}-a`);
  const b = join(dir, `${name}-b`);
  const pair: PtyPair = {
    a,
    b,
    proc: startSocat(a, b),
    kill: () => stopProc(pair.proc, a, b),
    replug: async () => {
      pair.proc = startSocat(a, b);
      await poll(() => existsSync(a) && existsSync(b), 5000, 'socat links', 10);
    },
  };
  await poll(() => existsSync(a) && existsSync(b), 5000, 'socat links', 10);
  return pair;
}

/**
 * A printer that appears on a pty only now: socat makes the pty the bridge opens and hands what it
 * receives to our stdin pipe (opening a pty with serialport flushes its input, which would race).
 */
export async function ptyPrinter(link: string): Promise<{ paper: number[]; answer(bytes: Uint8Array): void; kill(): Promise<void> }> {
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${link}`, 'STDIO'], { stdio: ['pipe', 'pipe', 'ignore'] });
  procs.add(proc);
  proc.on('exit', () => procs.delete(proc));
  const paper: number[] = [];
  proc.stdout!.on('data', (d: Buffer) => paper.push(...d));
  await poll(() => existsSync(link), 5000, 'printer pty', 10);
  return {
    paper,
    answer: (bytes) => proc.stdin!.write(bytes),
    kill: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Kills every socat still running and removes temp dirs: called from afterEach. */
export async function cleanupPtys(): Promise<void> {
  for (const proc of [...procs]) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function openPort(path: string, baudRate = 115200): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

export async function closePort(port: SerialPort): Promise<void> {
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

export function writeAll(port: SerialPort, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(Buffer.from(bytes), (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve()))));
  });
}

/** A sink that records everything, with waits for tests. */
export class RecordingSink implements CaptureSink {
  jobs: CapturedJob[] = [];
  events: TerminalEvent[] = [];
  states: DeviceState[] = [];

  job(job: CapturedJob): void {
    this.jobs.push(job);
  }
  terminalEvent(event: TerminalEvent): void {
    this.events.push(event);
  }
  deviceState(state: DeviceState): void {
    this.states.push(state);
  }

  bytesOf(deviceId?: string): Buffer {
    return Buffer.concat(this.jobs.filter((j) => deviceId === undefined || j.deviceId === deviceId).map((j) => j.bytes));
  }

  async until(check: () => boolean, timeoutMs = 10_000, what = 'the capture'): Promise<void> {
    await poll(check, timeoutMs, what, 10);
  }
}

/** Polls every 10 ms: serial bytes arrive within milliseconds. */
export function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return poll(check, timeoutMs, what, 10);
}
