// The packaged app as a merchant starts it (Playwright's Electron support): window, engine child, tray, quit, native modules
// inside Electron's runtime, renderer security; installed per machine on Windows, its data dir under %PROGRAMDATA%.
// Without a packaged app (no Electron binary here) the suite is skipped and says why; with TAXPOYNT_PACKAGED_REQUIRED=1 (CI) it fails instead.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ElectronApplication } from 'playwright-core';
import { CSP } from '../../main/electron/policy.js';
import { defaultDataDir } from '../../main/engine/paths.js';
import type { StatusView } from '../../preload/api.js';
import { printReceipt, randomReceiptSpec } from '../../sandbox/receipt-printer.js';
import { mulberry32 } from '../../sandbox/seeded-random.js';
import { waitFor } from '../support/wait.js';
import { alive, appEnv, enginePids, findPackagedApp, invoke, launch, quitFromTray, runCli, type PackagedApp, type Running } from './app.js';

const found = findPackagedApp();
const missing = 'missing' in found ? found.missing : null;
if (missing) {
  if (process.env.TAXPOYNT_PACKAGED_REQUIRED === '1') throw new Error(`The packaged-app smoke test must run here (TAXPOYNT_PACKAGED_REQUIRED=1), but ${missing}.`);
  console.warn(`skipped: the packaged-app smoke test, because ${missing}`);
}
const packaged = found as PackagedApp;
const installedOnWindows = process.platform === 'win32' && process.env.TAXPOYNT_PACKAGED_INSTALLED === '1';
const keychainService = `TaxPoynt POS Bridge smoke ${process.pid}-${Date.now()}`;
const started: ElectronApplication[] = [];
/** The little of the page's DOM these checks touch (the test compiles without the DOM library). */
interface Page {
  location: { href: string };
  document: { createElement(tag: 'script'): { textContent: string }; head: { append(node: unknown): void } };
}

/** Removes this run's keychain entries (on Windows and macOS they are the machine's real keychain). */
async function forgetKeychainEntries(): Promise<void> {
  const keytar = (await import('keytar')).default;
  const forget = async () => {
    const entries = await keytar.findCredentials(keychainService).catch(() => []);
    for (const { account } of entries) await keytar.deletePassword(keychainService, account).catch(() => false);
  };
  // A keychain that wants to ask a person (macOS) must not hold the suite: give up after 15 s.
  await Promise.race([forget(), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
}

afterAll(async () => {
  for (const app of started) if (app.process().exitCode === null) app.process().kill('SIGKILL');
  if (!missing) await forgetKeychainEntries();
});

describe.skipIf(missing !== null)('the packaged app', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tp-packaged-'));
  const env = appEnv({ dataDir, keychainService });
  let run: Running;
  let engine: number[] = [];
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts, shows its status window from app://bridge, and its engine child answers status', async () => {
    run = await launch(packaged, env);
    started.push(run.app);
    expect(new URL(run.window.url()).origin).toBe('app://bridge');
    await waitFor(() => run.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().some((w) => w.isVisible())), 30_000, 'the status window to show');
    const status = await invoke<StatusView>(run.window, 'status');
    expect(status.engine.state).toBe('running');
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
    engine = await enginePids(run.app);
    expect(engine.length).toBe(1);
  });

  it('keeps its store encrypted: bridge.db is not a plain SQLite file', () => {
    const header = readFileSync(join(dataDir, 'bridge.db')).subarray(0, 16).toString('latin1');
    expect(header).not.toBe('SQLite format 3\0');
  });

  it('runs the renderer without Node: no require, no Node globals, only the bridge API, and the CSP header on its page', async () => {
    const seen = await run.window.evaluate(() => {
      const g = globalThis as Record<string, unknown>;
      return {
        require: typeof g.require,
        process: typeof g.process,
        module: typeof g.module,
        Buffer: typeof g.Buffer,
        global: typeof g.global,
        api: Object.keys(g.taxpoynt as object).sort(),
      };
    });
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', Buffer: 'undefined', global: 'undefined', api: ['invoke', 'on'] });
    const csp = await run.window.evaluate(async () => (await fetch(new URL('/index.html', (globalThis as unknown as Page).location.href))).headers.get('content-security-policy'));
    expect(csp).toBe(CSP);
    // The policy is enforced, not only sent: an injected inline script does not run (script-src 'self').
    const injected = await run.window.evaluate(() => {
      const { document } = globalThis as unknown as Page;
      const script = document.createElement('script');
      script.textContent = 'globalThis.injectedRan = true';
      document.head.append(script);
      return (globalThis as { injectedRan?: boolean }).injectedRan === true;
    });
    expect(injected).toBe(false);
  });

  it('loads serialport and node-hid inside Electron: serial ports and HID devices enumerate without a problem', async () => {
    const found = await invoke<{ serial: Array<{ path: string }>; hid: unknown[]; problems: string[] }>(run.window, 'devices.detect');
    expect(found.problems).toEqual([]);
    console.warn(`devices on this ${process.platform} runner: ${found.serial.map((p) => p.path).join(', ') || 'no serial port'}; ${found.hid.length} HID device(s)`);
    // Windows names its serial ports COM1, COM2, ...: what a merchant picks in device set-up.
    if (process.platform === 'win32') for (const port of found.serial) expect(port.path).toMatch(/^COM\d+$/);
  });

  it('has a tray icon whose menu opens the app, pauses capture and quits', async () => {
    const tray = await run.app.evaluate(() => {
      const shell = (globalThis as { taxpoyntShell?: { tray: Electron.Tray; menu(): Electron.Menu | null } }).taxpoyntShell;
      return shell ? { destroyed: shell.tray.isDestroyed(), labels: shell.menu()?.items.map((i) => i.label) ?? [] } : null;
    });
    expect(tray).not.toBeNull();
    expect(tray!.destroyed).toBe(false);
    expect(tray!.labels).toEqual(expect.arrayContaining(['Open TaxPoynt POS Bridge', 'Pause capture', 'Quit']));
  });

  it('keeps running in the tray when the window is closed: the engine still answers', async () => {
    await run.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    await waitFor(() => run.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().every((w) => !w.isVisible())), 30_000, 'the window to hide');
    expect(run.app.process().exitCode).toBeNull();
    expect((await invoke<StatusView>(run.window, 'status')).engine.state).toBe('running');
    expect(await enginePids(run.app)).toEqual(engine);
  });

  it('Quit from the tray ends the app and leaves no engine process behind', async () => {
    await quitFromTray(run.app);
    await waitFor(() => engine.every((pid) => !alive(pid)), 30_000, 'the engine child to exit');
  });

  it("reopens its store with the key from the keychain: a receipt the app's own CLI stored is there at the next start", async () => {
    const job = join(dataDir, 'smoke-receipt.bin');
    const spec = { ...randomReceiptSpec(mulberry32(19)), receiptNumber: 'SMOKE-19', layout: 'supermarket', documentType: 'sale' } as const;
    writeFileSync(job, printReceipt(spec));
    const ingested = await runCli(packaged, ['--data-dir', dataDir, 'ingest', job, '--device', 'smoke-till'], env);
    expect(ingested.code, ingested.stderr).toBe(0);
    run = await launch(packaged, env);
    started.push(run.app);
    const total = async () => (await invoke<{ total: number }>(run.window, 'receipts.list')).total;
    await waitFor(async () => (await total()) > 0, 60_000, 'the stored receipt to be listed');
    expect(await total()).toBe(1);
    await quitFromTray(run.app);
  });
});

describe.skipIf(missing !== null || !installedOnWindows)('installed per machine on Windows', () => {
  const dataDir = defaultDataDir('win32');

  it('the engine keeps its data under %PROGRAMDATA%, in a folder every user of the till may modify', async () => {
    const run = await launch(packaged, appEnv({ keychainService }));
    started.push(run.app);
    try {
      expect((await invoke<StatusView>(run.window, 'status')).engine.state).toBe('running');
      expect(existsSync(join(dataDir, 'bridge.db'))).toBe(true);
      // Cashiers log in as themselves, not as the administrator who installed it: BUILTIN\Users (S-1-5-32-545) needs Modify.
      const acl = execFileSync('powershell.exe', ['-NoProfile', '-Command', `(Get-Acl -LiteralPath '${dataDir}').Access | ForEach-Object { $_.IdentityReference.Translate([System.Security.Principal.SecurityIdentifier]).Value + ' ' + $_.AccessControlType + ' ' + $_.FileSystemRights }`], { encoding: 'utf8' });
      expect(acl.split(/\r?\n/).some((line) => /^S-1-5-32-545 Allow .*(Modify|FullControl)/.test(line)), acl).toBe(true);
    } finally {
      await quitFromTray(run.app);
    }
  });
});
