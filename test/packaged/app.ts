// The packaged app under test: where electron-builder (or an installer) put it, and how the smoke test starts, drives and quits it.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import type { BridgeApi, StatusView } from '../../preload/api.js';
import { waitFor } from '../support/wait.js';

export interface PackagedApp {
  executable: string;
  /** Its resources folder (app.asar, profiles, icons). */
  resources: string;
  /** The headless CLI inside the app, run with the app's own Electron as Node. */
  cli: string;
}

/** Names from electron-builder.yml: the executables and the engine's utilityProcess service name. */
const EXECUTABLE = { win32: 'TaxPoyntPOSBridge.exe', linux: 'taxpoynt-pos-bridge', darwin: 'TaxPoynt POS Bridge.app/Contents/MacOS/TaxPoynt POS Bridge' } as Record<string, string>;
export const ENGINE_SERVICE = 'TaxPoynt POS Bridge engine';

const repo = join(import.meta.dirname, '..', '..');

function resourcesOf(executable: string): string {
  return process.platform === 'darwin' ? join(dirname(dirname(executable)), 'Resources') : join(dirname(executable), 'resources');
}

/** The app named by $TAXPOYNT_PACKAGED_APP (an installed app), else the unpacked one `electron-builder --dir` left in release/. */
export function findPackagedApp(): PackagedApp | { missing: string } {
  const named = process.env.TAXPOYNT_PACKAGED_APP;
  let executable: string | undefined;
  if (named) {
    if (!existsSync(named)) return { missing: `TAXPOYNT_PACKAGED_APP names ${named}, which does not exist` };
    executable = named;
  } else {
    const release = join(repo, 'release');
    const name = EXECUTABLE[process.platform];
    const dirs = existsSync(release) ? readdirSync(release).filter((d) => /^(win|linux|mac)(-[a-z0-9]+)?(-unpacked)?$/.test(d)) : [];
    executable = name ? dirs.map((d) => join(release, d, name)).find((f) => existsSync(f)) : undefined;
    if (!executable) return { missing: 'no packaged app here: the Electron binary is not installed on this machine (on a machine with it: `npx electron-builder --dir`, or set TAXPOYNT_PACKAGED_APP)' };
  }
  const resources = resourcesOf(executable);
  return { executable, resources, cli: join(resources, 'app.asar', 'dist', 'main', 'cli.js') };
}

/** The environment the app runs with: its own data dir and keychain service, nothing reaching beyond 127.0.0.1. */
export function appEnv(options: { dataDir?: string; keychainService: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TAXPOYNT_BRIDGE_') && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
  if (options.dataDir) env.TAXPOYNT_BRIDGE_DATA_DIR = options.dataDir;
  env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE = options.keychainService;
  // Unpaired, the engine has nothing to send; should it try, port 9 on loopback refuses at once.
  env.TAXPOYNT_BRIDGE_CLOUD_URL = 'http://127.0.0.1:9';
  env.TAXPOYNT_BRIDGE_TEST_HOOKS = '1';
  return env;
}

export interface Running {
  app: ElectronApplication;
  window: Page;
}

type Api = { taxpoynt: BridgeApi };

/** Starts the app and waits for its status window and for the engine child to answer `status` as running. */
export async function launch(packaged: PackagedApp, env: Record<string, string>): Promise<Running> {
  const app = await _electron.launch({ executablePath: packaged.executable, args: [], env, timeout: 90_000 });
  const window = await app.firstWindow({ timeout: 90_000 });
  await waitFor(async () => (await invoke<StatusView>(window, 'status').catch(() => null))?.engine.state === 'running', 90_000, 'the engine child to answer status');
  return { app, window };
}

/** A request through the window's own bridge API (preload → IPC → main → engine child), as the renderer makes it. */
export function invoke<T>(page: Page, channel: string, input: object = {}): Promise<T> {
  return page.evaluate(([c, i]) => (globalThis as unknown as Api).taxpoynt.invoke(c as 'status', i as Record<string, never>), [channel, input] as const) as Promise<T>;
}

/** The process ids of the engine child (Electron's utilityProcess), from the main process's own metrics. */
export function enginePids(app: ElectronApplication): Promise<number[]> {
  return app.evaluate(({ app: electronApp }, service) => electronApp.getAppMetrics().filter((m) => m.type === 'Utility' && (m.name === service || m.serviceName === service)).map((m) => m.pid), ENGINE_SERVICE);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Quit from the tray menu, answering "Quit" in the confirmation the shell shows; resolves once the app's process has exited. */
export async function quitFromTray(app: ElectronApplication): Promise<void> {
  const main = app.process();
  const exited = main.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => main.once('exit', () => resolve()));
  await app.evaluate(({ dialog }) => {
    // The merchant's answer to "Quit TaxPoynt POS Bridge?": button 0, Quit.
    dialog.showMessageBoxSync = () => 0;
    const shell = (globalThis as { taxpoyntShell?: { menu(): Electron.Menu | null } }).taxpoyntShell;
    const quit = shell?.menu()?.items.find((i) => i.label === 'Quit');
    if (!quit) throw new Error('the tray menu has no Quit item');
    setImmediate(() => quit.click());
  });
  await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the app did not exit within 60 s of Quit')), 60_000))]);
}

/** Runs the app's CLI on the app's own Electron as Node (what the deb's `taxpoynt-bridge` does). */
export function runCli(packaged: PackagedApp, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(packaged.executable, [packaged.cli, ...args], { env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
