// A real engine for the e2e tests: Bridge (SQLCipher store, keychain, capture) + the dispatcher, the sandbox cloud on 127.0.0.1, socat ptys as the till's serial line.
import { spawn, type ChildProcess } from 'node:child_process';
export { seeded } from '../support/wait.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { Bridge } from '../../main/engine/bridge.js';
import { writeConfigFile } from '../../main/engine/config.js';
import { createDispatcher, type Dispatcher } from '../../main/engine/dispatcher.js';
import { platformAutostart } from '../../main/engine/autostart.js';
import { KeychainVault } from '../../main/vault/index.js';
import { listSerialPorts } from '../../main/capture/index.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server.js';
import { waitFor } from './harness.js';

export const hasKeyring = Boolean(process.env.TAXPOYNT_TEST_KEYRING);
export const SECRET_NAMES = ['database-key', 'refresh-token', 'signing-secret', 'cloud-agent', 'pairing-lost'];

export interface Pty {
  /** The till's end: the test prints receipts here. */
  pos: string;
  /** The end the bridge opens. */
  bridge: string;
  proc: ChildProcess;
}

export async function ptyPair(dir: string, name: string): Promise<Pty> {
  const pos = join(dir, `${name}-pos`);
  const bridge = join(dir, `${name}-bridge`);
  const proc = spawn('socat', [`pty,raw,echo=0,link=${pos}`, `pty,raw,echo=0,link=${bridge}`], { stdio: 'ignore' });
  await waitFor(() => existsSync(pos) && existsSync(bridge), 5000, 'socat ptys');
  return { pos, bridge, proc };
}

/** The till printing: bytes written to the POS end of the pty, port closed afterwards. */
export async function printTo(path: string, bytes: Uint8Array): Promise<void> {
  const port = new SerialPort({ path, baudRate: 9600 });
  await new Promise<void>((resolve, reject) => port.once('open', () => resolve()).once('error', reject));
  await new Promise<void>((r) => port.write(Buffer.from(bytes), () => port.drain(() => r())));
  await new Promise((r) => setTimeout(r, 100));
  await new Promise<void>((r) => port.close(() => r()));
}


export interface Engine {
  dir: string;
  dataDir: string;
  configFile: string;
  service: string;
  vault: KeychainVault;
  bridge: Bridge;
  dispatcher: Dispatcher;
  /** Stops the bridge and dispatcher (the data dir stays). */
  stop(): Promise<void>;
  /** Starts a new Bridge + dispatcher on the same data dir and keychain (a restart). */
  restart(): Promise<Engine>;
}

export interface World {
  dir: string;
  sandbox: Sandbox;
  sandboxOptions: SandboxOptions;
  service: string;
  ptys: Pty[];
  engine?: Engine;
  /** Closes the sandbox (the cloud goes away), keeping its state file. */
  cloudDown(): Promise<void>;
  /** Starts the sandbox again on the same port with the same state. */
  cloudUp(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startWorld(name: string, sandboxOptions: SandboxOptions = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), `tp-e2e-${name}-`));
  const service = `tp-e2e-${name}-${process.pid}`;
  process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE = service;
  const opts: SandboxOptions = { port: 0, pollIntervalS: 0, statePath: join(dir, 'sandbox-state.json'), ...sandboxOptions };
  const sandbox = await startSandbox(opts);
  const world: World = {
    dir,
    sandbox,
    sandboxOptions: { ...opts, port: Number(new URL(sandbox.url).port) },
    service,
    ptys: [],
    async cloudDown() {
      world.sandbox.save();
      await world.sandbox.close();
    },
    async cloudUp() {
      world.sandbox = await startSandbox(world.sandboxOptions);
    },
    async cleanup() {
      await world.engine?.stop().catch(() => undefined);
      for (const p of world.ptys) p.proc.kill('SIGTERM');
      await world.sandbox.close().catch(() => undefined);
      const vault = new KeychainVault(service);
      for (const s of SECRET_NAMES) await vault.delete(s).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Writes the engine's config (the sandbox as its cloud, quick batches) unless it exists. */
export function engineConfig(world: World, devices: unknown[] = []): { dataDir: string; configFile: string } {
  const dataDir = join(world.dir, 'data');
  const configFile = join(dataDir, 'config.json');
  if (!existsSync(configFile)) {
    writeConfigFile(configFile, {
      cloud: { base_url: world.sandbox.url, timeout_ms: 2000 },
      batch: { max_items: 20, max_wait_ms: 100 },
      devices,
    });
  }
  return { dataDir, configFile };
}

export async function startEngine(world: World, devices: unknown[] = []): Promise<Engine> {
  const { dataDir, configFile } = engineConfig(world, devices);
  const boot = async (): Promise<Engine> => {
    const vault = new KeychainVault(world.service);
    const bridge = await Bridge.start({
      dataDir,
      configFile,
      version: '0.1.0-e2e',
      vault,
      forwarder: { idlePollMs: 200, pairingRecheckMs: 200, heartbeatMs: 60_000, remoteConfigPollMs: 60_000 },
      statusFileMs: 1000,
    });
    const dispatcher = createDispatcher(bridge, {
      vault,
      statusIntervalMs: 250,
      autostart: platformAutostart({ platform: 'win32', exec: [process.execPath], dataDir }),
      pairing: { deviceName: 'Front till' },
      // udev does not list pseudo-terminals: the world's ptys are listed beside what the OS lists, as a plugged-in USB adapter would be.
      serialPorts: async () => [...(await listSerialPorts().catch(() => [])), ...world.ptys.map((p) => ({ path: p.bridge }))],
    });
    await dispatcher.ready;
    const engine: Engine = {
      dir: world.dir,
      dataDir,
      configFile,
      service: world.service,
      vault,
      bridge,
      dispatcher,
      async stop() {
        dispatcher.close();
        await bridge.stop();
      },
      async restart() {
        await engine.stop();
        world.engine = await boot();
        return world.engine;
      },
    };
    world.engine = engine;
    return engine;
  };
  return boot();
}
