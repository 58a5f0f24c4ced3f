// The walking skeleton end to end with real parts: bytes written to a socat pty appear as accepted at the sandbox cloud.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor, seeded } from '../support/wait.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { pairDevice } from '../../main/cloud/index.js';
import { Bridge, type ReceiptEvent } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { KeychainVault } from '../../main/vault/index.js';
import { printReceipt, randomReceiptSpec, type ReceiptSpec } from '../../sandbox/receipt-printer.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import { lacks } from '../support/platform.js';

const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);



describe.runIf(hasKeyring && !lacks('ptys', 'the walking skeleton'))('walking skeleton: pty → journal → parse → outbox → sandbox cloud', () => {
  let dir: string;
  let socat: ChildProcess;
  let sandbox: Sandbox;
  let bridge: Bridge | undefined;
  let pos: SerialPort | undefined;
  const service = `tp-test-skeleton-${process.pid}`;

  beforeEach(async () => {
    process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE = service;
    dir = mkdtempSync(join(tmpdir(), 'tp-skeleton-'));
    socat = spawn('socat', [`pty,raw,echo=0,link=${dir}/pos`, `pty,raw,echo=0,link=${dir}/bridge`], { stdio: 'ignore' });
    await waitFor(() => existsSync(`${dir}/pos`) && existsSync(`${dir}/bridge`), 5000, 'socat');
    sandbox = await startSandbox({ port: 0, autoApprove: true, pollIntervalS: 0 });
  });

  afterEach(async () => {
    if (pos?.isOpen) await new Promise<void>((r) => pos!.close(() => r()));
    await bridge?.stop();
    bridge = undefined;
    socat.kill('SIGTERM');
    await sandbox.close();
    const vault = new KeychainVault(service);
    for (const name of ['database-key', 'refresh-token', 'signing-secret', 'cloud-agent']) await vault.delete(name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('receipts printed to the serial port arrive at the cloud as accepted, once each, and nothing readable is left on disk', async () => {
    const dataDir = join(dir, 'data');
    const configFile = join(dataDir, 'config.json');
    writeConfigFile(configFile, {
      cloud: { base_url: sandbox.url },
      batch: { max_items: 10, max_wait_ms: 200 },
      devices: [{ id: 'lane-1', kind: 'serial_tap', path: `${dir}/bridge`, baud_rate: 9600, idle_ms: 1000 }],
    });
    const vault = new KeychainVault(service);
    await pairDevice({ baseUrl: sandbox.url, vault, onCode: () => undefined });
    bridge = await Bridge.start({ dataDir, configFile, version: '0.1.0-test', vault, forwarder: { idlePollMs: 200, pairingRecheckMs: 200, heartbeatMs: 300 } });
    const events: ReceiptEvent[] = [];
    bridge.on('receipt', (e: ReceiptEvent) => events.push(e));

    pos = new SerialPort({ path: `${dir}/pos`, baudRate: 9600 });
    await new Promise<void>((resolve, reject) => pos!.once('open', () => resolve()).once('error', reject));
    const rng = seeded(7);
    const specs: ReceiptSpec[] = [];
    for (let i = 0; i < 3; i++) {
      const spec = randomReceiptSpec(rng);
      specs.push(spec);
      await new Promise<void>((r) => pos!.write(Buffer.from(printReceipt(spec)), () => r()));
      await new Promise((r) => setTimeout(r, 150));
    }

    await waitFor(() => events.filter((e) => e.state === 'accepted').length >= 3, 20_000, 'three receipts accepted at the sandbox');
    const accepted = Object.entries(sandbox.state.transactions).filter(([, t]) => t.accepted === 1);
    expect(accepted).toHaveLength(3);
    expect(sandbox.duplicatesAccepted()).toEqual([]);
    expect(bridge.status().outbox.counts).toMatchObject({ accepted: 3, pending: 0, in_flight: 0 });
    // The heartbeat reaches the cloud with the outbox figures, and its acceptance marks this version healthy.
    await waitFor(() => sandbox.state.heartbeats.length > 0, 10_000, 'a heartbeat');
    expect(sandbox.state.heartbeats.at(-1)).toMatchObject({ version: '0.1.0-test', devices: [{ id: 'lane-1', kind: 'serial_tap' }] });
    await waitFor(() => bridge!.status().update?.health?.healthy === true, 5000, 'the running version to be marked healthy');
    const ids = new Set(events.map((e) => e.id));
    expect(ids.size).toBe(3);
    for (const [id] of accepted) expect(ids.has(id)).toBe(true);

    await bridge.stop();
    bridge = undefined;
    // Nothing a receipt said is readable in any file the bridge wrote (database, WAL, logs, status).
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(dataDir);
    const everything = files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    for (const spec of specs) {
      expect(everything).not.toContain(spec.receiptNumber);
      for (const line of spec.lines) expect(everything).not.toContain(line.description);
    }
  });
});
