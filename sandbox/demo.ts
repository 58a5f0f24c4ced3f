// The demo on defaults: the sandbox cloud, a virtual POS printing a sample receipt to a pty every few seconds, and the bridge.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SerialPort } from 'serialport';
import { pairDevice } from '../main/cloud/index.js';
import { Bridge, type ReceiptEvent } from '../main/engine/bridge.js';
import { writeConfigFile } from '../main/engine/config.js';
import { packageVersion } from '../main/engine/version.js';
import { receiptLine } from '../main/cli/run.js';
import { KeychainVault } from '../main/vault/index.js';
import { printReceipt, randomReceiptSpec } from './receipt-printer.js';
import { startSandbox } from './server.js';
import { mulberry32 } from './seeded-random.js';

const usage = `usage: bash scripts/demo.sh [--port 8787] [--every 4] [--receipts N] [--data-dir DIR]
  --port      the sandbox cloud's port on 127.0.0.1 (0: any free port)
  --every     seconds between the virtual POS's receipts
  --receipts  stop after this many receipts are accepted (default: run until Ctrl-C)
  --data-dir  the bridge's data dir (default: a fresh folder under ${tmpdir()})`;

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      every: { type: 'string', default: '4' },
      receipts: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const target = values.receipts ? Number(values.receipts) : Infinity;
  const everyMs = Math.max(0.2, Number(values.every)) * 1000;
  const dataDir = values['data-dir'] ?? join(tmpdir(), `taxpoynt-bridge-demo`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  // 1. The cloud: the sandbox on 127.0.0.1, approving pairing codes at once (a merchant would approve in the dashboard).
  const sandbox = await startSandbox({ port: Number(values.port), autoApprove: true, pollIntervalS: 1, statePath: join(dataDir, 'sandbox-state.json') });
  console.log(`sandbox cloud   ${sandbox.url}`);

  // 2. A serial cable from the POS to the bridge: a pseudo-terminal pair.
  const ptyDir = join(dataDir, 'pty');
  mkdirSync(ptyDir);
  const posEnd = join(ptyDir, 'pos');
  const bridgeEnd = join(ptyDir, 'bridge');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${posEnd}`, `pty,raw,echo=0,link=${bridgeEnd}`], { stdio: 'ignore' });
  await waitFor(() => existsSync(posEnd) && existsSync(bridgeEnd), 5000, 'socat to make the serial pair');
  console.log(`serial cable    POS ${posEnd}  →  bridge ${bridgeEnd}`);

  // 3. The bridge: config on defaults plus the one device, paired with the sandbox.
  const configFile = join(dataDir, 'config.json');
  writeConfigFile(configFile, {
    cloud: { base_url: sandbox.url },
    batch: { max_items: 50, max_wait_ms: 500 },
    devices: [{ id: 'lane-1', kind: 'serial_tap', path: bridgeEnd, baud_rate: 9600, idle_ms: 1500 }],
  });
  const vault = new KeychainVault();
  const agent = await pairDevice({
    baseUrl: sandbox.url,
    vault,
    deviceName: 'demo-till',
    onCode: (code) => console.log(`pairing         code ${code.user_code} at ${code.verification_uri} (approved by the sandbox)`),
  });
  console.log(`paired          ${agent.business_name} (TIN ${agent.tin}), ${agent.location_name}`);
  const bridge = await Bridge.start({ dataDir, configFile, version: packageVersion(), vault, forwarder: { idlePollMs: 1000, pairingRecheckMs: 1000 } });
  console.log(`bridge          running, data dir ${dataDir}\n`);

  let accepted = 0;
  bridge.on('receipt', (e: ReceiptEvent) => {
    console.log(receiptLine(e));
    if (e.state === 'accepted' || e.state === 'duplicate') accepted++;
  });

  // 4. The virtual POS prints a receipt every few seconds.
  const pos = new SerialPort({ path: posEnd, baudRate: 9600 });
  await new Promise<void>((resolve, reject) => pos.once('open', () => resolve()).once('error', reject));
  const rng = mulberry32(20261126);
  let printed = 0;
  const print = () => {
    if (printed >= target) return;
    const spec = randomReceiptSpec(rng);
    pos.write(Buffer.from(printReceipt(spec)));
    printed++;
    console.log(`${new Date().toISOString().slice(11, 19)}  virtual POS  printed receipt ${spec.receiptNumber} (${spec.layout})`);
  };
  print();
  const timer = setInterval(print, everyMs);

  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (accepted >= target) {
        clearInterval(check);
        resolve();
      }
    }, 100);
    const stop = () => {
      clearInterval(check);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

  clearInterval(timer);
  await new Promise<void>((resolve) => pos.close(() => resolve()));
  const status = bridge.status();
  await bridge.stop();
  socat.kill('SIGTERM');
  const atCloud = Object.values(sandbox.state.transactions).filter((t) => t.accepted > 0).length;
  await sandbox.close();
  console.log(
    `\nprinted ${printed}; bridge outbox: ${JSON.stringify(status.outbox.counts)}; the sandbox cloud holds ${atCloud} accepted transaction(s).`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`demo failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
