// The Electron shell's wiring: window security options, IPC channels, the sender check, navigation and window.open, the tray, quit and close.
//
// This is the ONE place a stand-in is allowed: the Electron runtime cannot be downloaded or run here, so
// vi.mock('electron') below records what the shell asks of Electron. Everything the shell asks about
// (tray model, quit text, URL checks) is real engine code; only Electron's own objects are stand-ins.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { API_GLOBAL, BridgeApiError, CHANNELS, IPC_EVENT_CHANNEL, IPC_PREFIX, ipcChannel, type StatusView } from '../../preload/api.js';

const electron = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before the imports above exist
  const { EventEmitter: Emitter } = require('node:events') as typeof import('node:events');
  const rec = {
    windows: [] as Array<{ options: Record<string, unknown> }>,
    handlers: new Map<string, (event: unknown, input: unknown) => Promise<unknown>>(),
    trays: [] as Array<{ images: string[]; tooltips: string[]; menus: Array<Array<Record<string, unknown>>>; emitter: InstanceType<typeof Emitter> }>,
    openExternal: [] as string[],
    notifications: [] as string[],
    permissionHandler: null as null | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
    dialogAnswer: 1,
    dialogs: [] as Array<Record<string, unknown>>,
    quits: 0,
    app: null as unknown as InstanceType<typeof Emitter> & Record<string, unknown>,
  };
  class WebContents extends Emitter {
    openHandler: ((d: { url: string }) => { action: string }) | null = null;
    sent: Array<[string, unknown]> = [];
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      this.openHandler = h;
    }
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    executeJavaScript() {
      return Promise.resolve();
    }
  }
  class BrowserWindow extends Emitter {
    webContents = new WebContents();
    visible = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      rec.windows.push(this);
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    url = '';
    show() {
      this.visible = true;
    }
    hide() {
      this.visible = false;
    }
    focus() {}
    restore() {}
    isMinimized() {
      return false;
    }
    isDestroyed() {
      return false;
    }
  }
  class Tray {
    record = { images: [] as string[], tooltips: [] as string[], menus: [] as Array<Array<Record<string, unknown>>>, emitter: new Emitter() };
    constructor(image: { path: string }) {
      this.record.images.push(image.path);
      rec.trays.push(this.record);
    }
    setImage(image: { path: string }) {
      this.record.images.push(image.path);
    }
    setToolTip(text: string) {
      this.record.tooltips.push(text);
    }
    setContextMenu(menu: Array<Record<string, unknown>>) {
      this.record.menus.push(menu);
    }
    on(event: string, fn: () => void) {
      this.record.emitter.on(event, fn);
    }
  }
  const app = Object.assign(new Emitter(), {
    requestSingleInstanceLock: () => true,
    isPackaged: false,
    getAppPath: () => '/app',
    whenReady: () => Promise.resolve(),
    quit: () => {
      rec.quits++;
      const event = { defaultPrevented: false, preventDefault() {
        this.defaultPrevented = true;
      } };
      app.emit('before-quit', event);
    },
    setLoginItemSettings: vi.fn(),
  });
  rec.app = app as never;
  const module = {
    app,
    BrowserWindow,
    Tray,
    ipcMain: { handle: (name: string, fn: (event: unknown, input: unknown) => Promise<unknown>) => rec.handlers.set(name, fn) },
    Menu: { buildFromTemplate: (items: Array<Record<string, unknown>>) => items },
    nativeImage: { createFromPath: (path: string) => ({ path, setTemplateImage() {} }) },
    Notification: class {
      static isSupported() {
        return true;
      }
      constructor(readonly options: { body: string }) {}
      show() {
        rec.notifications.push(this.options.body);
      }
    },
    dialog: {
      showMessageBoxSync: (options: Record<string, unknown>) => {
        rec.dialogs.push(options);
        return rec.dialogAnswer;
      },
    },
    protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof rec.permissionHandler) => (rec.permissionHandler = h),
        setPermissionCheckHandler: () => undefined,
      },
    },
    shell: { openExternal: async (url: string) => void rec.openExternal.push(url) },
    utilityProcess: { fork: () => { throw new Error('the shell test passes its own host'); } },
  };
  return { rec, module };
});

vi.mock('electron', () => ({ ...electron.module, default: electron.module }));

const { runApp } = await import('../../main/electron/shell.js');
const { isOwnPage, APP_PAGE } = await import('../../main/electron/policy.js');

/** The engine host as the shell sees it: answers recorded, status set by the test. */
class TestHost {
  emitter = new EventEmitter();
  calls: Array<[string, unknown]> = [];
  current: StatusView | null = null;
  started = false;
  stopped = false;
  start() {
    this.started = true;
  }
  async stop() {
    this.stopped = true;
  }
  async invoke(channel: string, input: unknown) {
    this.calls.push([channel, input]);
    if (channel === 'settings.get') return { updateChannel: 'stable', startAtLogin: true, capturePaused: false, logLevel: 'info' };
    if (channel === 'doctor') throw new BridgeApiError('engine_restarting', 'The bridge engine is restarting; try again in a few seconds.');
    return { echo: channel };
  }
  on(event: string, listener: (p: unknown) => void) {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
  status() {
    return this.current;
  }
  push(status: StatusView) {
    this.current = status;
    this.emitter.emit('status', status);
  }
}

function statusWith(over: Partial<StatusView>): StatusView {
  return {
    state: 'ok', headline: 'All receipts are being captured and sent to TaxPoynt.', version: '0.1.0', startedAt: '', updatedAt: '', capturePaused: false,
    engine: { state: 'running', recentCrashes: 0, restarts: 0, nextRestartAt: null, message: null },
    devices: [{ id: 'counter', kind: 'virtual_printer', status: 'listening', detail: '', connected: true, lastReceiptAt: null, receiptsToday: 0, jobs: 0, bytes: 0, baud: null, passThrough: 'connected', queuedBytes: 0, lanes: [], endpoint: '127.0.0.1:9100', silentSince: null, error: null }],
    outbox: { counts: { pending: 2, in_flight: 0, accepted: 0, duplicate: 0, rejected: 0, review: 0, unparsed: 0, reading: 0 }, pending: 2, review: 0, rejected: 0, oldestPendingAgeS: 5, buffered: 0 },
    cloud: { paired: true, business: { name: 'Graceland Mart', tin: '1', location: 'Ikeja', businessId: 'b' }, state: 'idle', offline: false, rateLimited: false, lastSyncAt: null, lastError: null, nextRetryAt: null },
    today: { receipts: 0, accepted: 0, total: '0.00', vat: '0.00' },
    alerts: [],
    pairing: { state: 'idle', userCode: null, verificationUri: null, verificationUriComplete: null, qr: null, expiresAt: null, business: null, message: null },
    ...over,
  };
}

const paths = { rendererDir: '/app/renderer/dist', preload: '/app/dist/preload/index.cjs', iconsDir: '/app/resources/icons', engineChild: '/app/dist/main/engine/child.js' };
const rec = electron.rec;
let host: TestHost;

describe('the Electron shell (stand-in electron module)', () => {
  beforeEach(async () => {
    rec.windows.length = 0;
    rec.handlers.clear();
    rec.trays.length = 0;
    rec.openExternal.length = 0;
    rec.notifications.length = 0;
    rec.dialogs.length = 0;
    rec.app.removeAllListeners();
    host = new TestHost();
    runApp({ host, paths });
    await new Promise((r) => setImmediate(r));
  });

  it('opens one window with context isolation, sandbox, no node integration, and our page over app://', () => {
    expect(rec.windows).toHaveLength(1);
    const win = rec.windows[0] as unknown as { options: { webPreferences: Record<string, unknown> }; url: string };
    expect(win.options.webPreferences).toMatchObject({
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(win.url).toBe(APP_PAGE);
    expect(host.started).toBe(true);
  });

  it('registers exactly one IPC handler per contract channel', () => {
    expect([...rec.handlers.keys()].sort()).toEqual(CHANNELS.map(ipcChannel).sort());
  });

  it('refuses a request from a frame that is not our page, relays one from our page, and passes errors as data', async () => {
    const handler = rec.handlers.get(ipcChannel('receipts.list'))!;
    const foreign = await handler({ senderFrame: { url: 'https://evil.example/app://bridge/index.html' } }, {});
    expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await handler({ senderFrame: { url: 'file:///app/renderer/dist/index.html' } }, {})).toMatchObject({ ok: false });
    expect(await handler({ senderFrame: null }, {})).toMatchObject({ ok: false });
    expect(host.calls.filter(([c]) => c === 'receipts.list')).toHaveLength(0);
    expect(await handler({ senderFrame: { url: `${APP_PAGE}#/receipts` } }, { limit: 5 })).toEqual({ ok: true, value: { echo: 'receipts.list' } });
    expect(host.calls.at(-1)).toEqual(['receipts.list', { limit: 5 }]);
    const failed = await rec.handlers.get(ipcChannel('doctor'))!({ senderFrame: { url: APP_PAGE } }, {});
    expect(failed).toEqual({ ok: false, error: { code: 'engine_restarting', message: 'The bridge engine is restarting; try again in a few seconds.', field: null } });
    expect(isOwnPage('app://bridge.evil/index.html')).toBe(false);
  });

  it('blocks navigation and window.open; only the pairing link under way opens, in the system browser; permissions are denied', async () => {
    const wc = (rec.windows[0] as unknown as { webContents: EventEmitter & { openHandler: (d: { url: string }) => { action: string } } }).webContents;
    const nav = { prevented: false, preventDefault() {
      this.prevented = true;
    } };
    wc.emit('will-navigate', nav, 'https://evil.example/');
    expect(nav.prevented).toBe(true);
    expect(wc.openHandler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const link = 'https://app.taxpoynt.com/device?user_code=WDJB-MJHT';
    expect(wc.openHandler({ url: link })).toEqual({ action: 'deny' });
    expect(rec.openExternal).toEqual([]);
    host.push(statusWith({ pairing: { state: 'waiting', userCode: 'WDJB-MJHT', verificationUri: 'https://app.taxpoynt.com/device', verificationUriComplete: link, qr: null, expiresAt: null, business: null, message: null } }));
    expect(wc.openHandler({ url: link })).toEqual({ action: 'deny' });
    await new Promise((r) => setImmediate(r));
    expect(rec.openExternal).toEqual([link]);
    let granted: boolean | undefined;
    rec.permissionHandler!(wc, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('draws the tray from the tray model and runs the menu actions through the engine', async () => {
    const tray = rec.trays[0]!;
    expect(tray.images.at(-1)).toBe(join(paths.iconsDir, 'linux', 'tray-restarting.png'));
    host.push(statusWith({}));
    expect(tray.images.at(-1)).toBe(join(paths.iconsDir, 'linux', 'tray-ok.png'));
    expect(tray.tooltips.at(-1)).toBe('TaxPoynt POS Bridge: All receipts are being captured and sent to TaxPoynt.');
    const menu = tray.menus.at(-1)!;
    expect(menu.filter((i) => i.label).map((i) => i.label)).toEqual(['Open TaxPoynt POS Bridge', 'Pause capture', 'Sync now (2 waiting)', 'Paired with Graceland Mart', 'Quit']);
    (menu.find((i) => i.label === 'Pause capture')!.click as () => void)();
    (menu.find((i) => String(i.label).startsWith('Sync now'))!.click as () => void)();
    expect(host.calls.map(([c]) => c)).toEqual(expect.arrayContaining(['capture.pause', 'sync.now']));
    expect(host.calls.map(([c]) => c)).not.toContain('update.install');
    // A downloaded version: "Restart to update to X" appears above Quit and asks the engine to install.
    const update = { current: '0.1.0', channel: 'stable' as const, state: 'downloaded' as const, availableVersion: '0.2.0', downloadedVersion: '0.2.0', lastCheckAt: null, lastCheckResult: null, nextCheckAt: null, lastError: null };
    host.push(statusWith({ update }));
    const updated = tray.menus.at(-1)!;
    expect(updated.filter((i) => i.label).map((i) => i.label)).toEqual(['Open TaxPoynt POS Bridge', 'Pause capture', 'Sync now (2 waiting)', 'Paired with Graceland Mart', 'Restart to update to 0.2.0', 'Quit']);
    (updated.find((i) => i.label === 'Restart to update to 0.2.0')!.click as () => void)();
    expect(host.calls.map(([c]) => c)).toContain('update.install');
    host.push(statusWith({ state: 'restarting', headline: 'The bridge engine stopped and is restarting.', engine: { state: 'restarting', recentCrashes: 1, restarts: 0, nextRestartAt: null, message: null } }));
    expect(tray.images.at(-1)).toBe(join(paths.iconsDir, 'linux', 'tray-restarting.png'));
    // Events reach the window; an alert the engine marked to notify becomes a notification.
    host.emitter.emit('alert', { code: 'device_error', severity: 'error', message: 'counter: the printer is unplugged', at: '', notify: true, subject: 'counter' });
    host.emitter.emit('alert', { code: 'x', severity: 'warning', message: 'quiet', at: '', notify: false, subject: null });
    expect(rec.notifications).toEqual(['counter: the printer is unplugged']);
    const wc = (rec.windows[0] as unknown as { webContents: { sent: Array<[string, { event: string }]> } }).webContents;
    expect(wc.sent.filter(([c]) => c === IPC_EVENT_CHANNEL).map(([, m]) => m.event)).toEqual(expect.arrayContaining(['status', 'alert']));
  });

  it('closing the window hides it; quitting asks first, saying what would stop, and stops the engine only when confirmed', async () => {
    const win = rec.windows[0] as unknown as EventEmitter & { visible: boolean };
    win.visible = true;
    const close = { prevented: false, preventDefault() {
      this.prevented = true;
    } };
    win.emit('close', close);
    expect(close.prevented).toBe(true);
    expect(win.visible).toBe(false);

    host.push(statusWith({}));
    rec.dialogAnswer = 1;
    (rec.app as unknown as { quit(): void }).quit();
    expect(rec.dialogs).toHaveLength(1);
    expect(String(rec.dialogs[0]!.detail)).toContain("quitting stops the till's printing");
    expect(String(rec.dialogs[0]!.detail)).toContain('2 receipts are not sent to TaxPoynt yet');
    expect(host.stopped).toBe(false);
    rec.dialogAnswer = 0;
    (rec.app as unknown as { quit(): void }).quit();
    await new Promise((r) => setImmediate(r));
    expect(host.stopped).toBe(true);
  });
});

describe('the preload script', () => {
  it('runs as a sandboxed preload (a plain script with require), exposes window.taxpoynt with the contract names, and unwraps answers', async () => {
    const source = readFileSync(join(process.cwd(), 'preload', 'index.ts'), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText.replace(/^export \{\};\s*$/m, '');
    expect(js).not.toMatch(/^\s*(import|export)\s/m);
    expect(source).toContain(`const PREFIX = '${IPC_PREFIX}'`);
    expect(source).toContain(`const EVENT_CHANNEL = '${IPC_EVENT_CHANNEL}'`);
    expect(source).toContain(`const GLOBAL = '${API_GLOBAL}'`);
    const exposed: Record<string, { invoke(c: string, i: unknown): Promise<unknown>; on(e: string, l: (p: unknown) => void): () => void }> = {};
    const ipc = new EventEmitter();
    const invoked: Array<[string, unknown]> = [];
    const fake = {
      contextBridge: { exposeInMainWorld: (name: string, api: never) => (exposed[name] = api) },
      ipcRenderer: {
        on: (c: string, l: (...a: unknown[]) => void) => ipc.on(c, l),
        invoke: async (c: string, i: unknown) => {
          invoked.push([c, i]);
          return c === 'bridge:doctor' ? { ok: false, error: { code: 'engine_restarting', message: 'restarting', field: null } } : { ok: true, value: 42 };
        },
      },
    };
    runInNewContext(js, { require: (id: string) => (id === 'electron' ? fake : undefined) });
    const api = exposed[API_GLOBAL]!;
    expect(await api.invoke('status', {})).toBe(42);
    expect(invoked[0]).toEqual(['bridge:status', {}]);
    await expect(api.invoke('doctor', {})).rejects.toMatchObject({ code: 'engine_restarting', message: 'restarting' });
    await expect(api.invoke('../../etc', {})).rejects.toMatchObject({ code: 'unknown_channel' });
    const got: unknown[] = [];
    const off = api.on('receipt', (p) => got.push(p));
    ipc.emit(IPC_EVENT_CHANNEL, {}, { event: 'receipt', payload: { id: 'tx_1' } });
    off();
    ipc.emit(IPC_EVENT_CHANNEL, {}, { event: 'receipt', payload: { id: 'tx_2' } });
    expect(got).toEqual([{ id: 'tx_1' }]);
  });

  it('only main/electron imports electron, and main/electron stays under 400 non-blank lines', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(join(process.cwd(), 'main'));
    const importers = files.filter((f) => /from 'electron'|require\('electron'\)/.test(readFileSync(f, 'utf8'))).map((f) => f.slice(process.cwd().length + 1));
    expect(importers.every((f) => f.startsWith('main/electron/'))).toBe(true);
    const lines = files.filter((f) => f.includes(`${join('main', 'electron')}/`)).reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '').length, 0);
    expect(lines).toBeLessThan(400);
  });
});
