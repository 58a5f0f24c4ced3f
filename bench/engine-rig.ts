// A whole bridge for the end-to-end benches: a socat pty as the till's serial line, the engine at its default config (SQLCipher store, capture, forwarder) and the sandbox cloud in its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { pairDevice } from '../main/cloud/pairing.js';
import { Bridge, type ReceiptEvent } from '../main/engine/bridge.js';
import { writeConfigFile } from '../main/engine/config.js';
import { MemoryVault } from '../main/vault/index.js';
import { printReceipt, randomReceiptSpec } from '../sandbox/receipt-printer.js';

/** The sandbox in its own process, so the bridge's CPU and memory are measured alone and the two do not share one event loop. */
export async function sandboxProcess(extra: string[] = []): Promise<{ url: string; stop(): void }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = spawn(process.execPath, [join(here, '..', 'sandbox', 'cli.js'), '--port', '0', '--auto-approve', '--interval', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /TaxPoynt sandbox on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

export interface EngineRig {
  bridge: Bridge;
  /** Prints one receipt on the till's end of the pty; resolves with its receipt number and when its last byte was written. */
  print(): Promise<{ receiptNumber: string; writtenAt: number }>;
  /** When (performance.now()) the receipt with this number came back accepted, or undefined while it has not. */
  acceptedAt(receiptNumber: string): number | undefined;
  /** Resolves when every receipt in `numbers` is accepted (bounded by timeoutMs). */
  waitAccepted(numbers: string[], timeoutMs: number): Promise<void>;
  /** Forgets the acceptance times recorded so far (a long run keeps only the current window). */
  forget(numbers: Iterable<string>): void;
  stop(): Promise<void>;
}

/** A seeded generator so two runs print the same receipts (numbers made unique per run by the caller's prefix). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

/**
 * Starts socat, the sandbox and a Bridge whose config names only the cloud and the serial tap: batch, rate and timeouts are
 * the defaults a merchant gets (and the sandbox's remote config, polled at start, keeps its say).
 */
export async function startEngineRig(name: string, seed = 1): Promise<EngineRig> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const pos = join(dir, 'till-pos');
  const tap = join(dir, 'till-bridge');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${pos}`, `pty,raw,echo=0,link=${tap}`], { stdio: 'ignore' });
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true }), () => void socat.kill('SIGTERM')];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    for (let i = 0; !(existsSync(pos) && existsSync(tap)); i++) {
      if (i > 200) throw new Error('socat did not create the ptys');
      await new Promise((r) => setTimeout(r, 25));
    }
    const sandbox = await sandboxProcess();
    cleanups.push(() => sandbox.stop());
    const vault = new MemoryVault();
    await pairDevice({ baseUrl: sandbox.url, vault, onCode: () => undefined });
    const dataDir = join(dir, 'data');
    const configFile = join(dataDir, 'config.json');
    writeConfigFile(configFile, { cloud: { base_url: sandbox.url }, devices: [{ id: 'till', kind: 'serial_tap', path: tap, baud_rate: 9600 }] });
    const bridge = await Bridge.start({ dataDir, configFile, version: `0.1.0-bench-${name}`, vault, updates: false, env: {} });
    cleanups.push(() => bridge.stop());

    const accepted = new Map<string, number>();
    const waiters = new Set<() => void>();
    bridge.on('receipt', (event: ReceiptEvent) => {
      if (event.state !== 'accepted') return;
      const at = performance.now();
      const number = bridge.store.get(event.id)?.transaction?.receipt_number;
      if (number === undefined) return;
      accepted.set(number, at);
      for (const w of waiters) w();
    });

    const port = new SerialPort({ path: pos, baudRate: 9600 });
    await new Promise<void>((resolve, reject) => port.once('open', () => resolve()).once('error', reject));
    cleanups.push(() => new Promise<void>((r) => port.close(() => r())));
    const rng = seeded(seed);
    let printed = 0;

    return {
      bridge,
      async print() {
        let spec = randomReceiptSpec(rng);
        while (spec.documentType !== 'sale') spec = randomReceiptSpec(rng);
        spec.receiptNumber = `${name.toUpperCase().slice(0, 4)}${seed}-${String(++printed).padStart(7, '0')}`;
        const bytes = Buffer.from(printReceipt(spec));
        // The write callback plus drain: the last byte has left for the pty (tcdrain), the moment the till finished printing.
        await new Promise<void>((resolve, reject) => port.write(bytes, (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve())))));
        return { receiptNumber: spec.receiptNumber, writtenAt: performance.now() };
      },
      acceptedAt: (n) => accepted.get(n),
      async waitAccepted(numbers, timeoutMs) {
        if (numbers.every((n) => accepted.has(n))) return;
        await new Promise<void>((resolve, reject) => {
          const check = () => {
            if (numbers.every((n) => accepted.has(n))) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve();
            }
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`${numbers.filter((n) => !accepted.has(n)).length} of ${numbers.length} receipts not accepted within ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.add(check);
        });
      },
      forget(numbers) {
        for (const n of numbers) accepted.delete(n);
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
