// A real engine for the app tests: temp data dir, real keychain service, sandbox cloud, a socat pty "till", Bridge + dispatcher.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialPort } from 'serialport';
import { Bridge } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../../main/engine/dispatcher.js';
import { KeychainVault } from '../../main/vault/index.js';
import { printReceipt, randomReceiptSpec, type ReceiptSpec } from '../../sandbox/receipt-printer.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server.js';
import { cleanupPtys, closePort, openPort, ptyPair, writeAll, type PtyPair } from '../capture/pty.js';

import { seeded } from '../support/wait.js';

export { waitFor, seeded } from '../support/wait.js';

export const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);



export interface AppWorld {
  dir: string;
  dataDir: string;
  configFile: string;
  service: string;
  vault: KeychainVault;
  sandbox: Sandbox;
  till: PtyPair;
  pos: SerialPort;
  /** Prints one receipt on the till's pty; returns its spec. */
  print(spec: ReceiptSpec): Promise<void>;
  close(): Promise<void>;
}

/** Everything an engine needs around it, not the engine itself (the host tests start it in a child). */
export async function appWorld(options: { sandbox?: SandboxOptions; devices?: unknown[]; idleMs?: number } = {}): Promise<AppWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-app-'));
  const service = `tp-test-app-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE = service;
  const sandbox = await startSandbox({ port: 0, pollIntervalS: 0, ...options.sandbox });
  const till = await ptyPair(dir, 'till');
  const dataDir = join(dir, 'data');
  const configFile = join(dataDir, 'config.json');
  writeConfigFile(configFile, {
    cloud: { base_url: sandbox.url },
    batch: { max_items: 10, max_wait_ms: 100 },
    devices: options.devices ?? [{ id: 'till-1', kind: 'serial_tap', path: till.b, baud_rate: 9600, idle_ms: options.idleMs ?? 400 }],
  });
  const pos = await openPort(till.a, 9600);
  const vault = new KeychainVault(service);
  return {
    dir,
    dataDir,
    configFile,
    service,
    vault,
    sandbox,
    till,
    pos,
    print: (spec) => writeAll(pos, printReceipt(spec)),
    async close() {
      await closePort(pos);
      await sandbox.close();
      await cleanupPtys();
      for (const name of ['database-key', 'refresh-token', 'signing-secret', 'cloud-agent']) await vault.delete(name).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startEngine(world: AppWorld, options: DispatcherOptions = {}): Promise<{ bridge: Bridge; api: Dispatcher; stop(): Promise<void> }> {
  const bridge = await Bridge.start({
    dataDir: world.dataDir,
    configFile: world.configFile,
    version: '0.1.0-test',
    vault: world.vault,
    forwarder: { idlePollMs: 100, pairingRecheckMs: 200 },
  });
  const api = createDispatcher(bridge, { statusIntervalMs: 200, ...options });
  await api.ready;
  return {
    bridge,
    api,
    async stop() {
      api.close();
      await bridge.stop();
    },
  };
}

/** A receipt that adds up, numbered so tests can find it. */
export function receiptSpec(seed: number, receiptNumber: string): ReceiptSpec {
  const spec = randomReceiptSpec(seeded(seed));
  return { ...spec, receiptNumber, layout: 'supermarket', documentType: 'sale' };
}
