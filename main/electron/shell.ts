// The Electron shell: lifecycle, single instance, tray, window, notifications and IPC. It decides nothing: the engine modules do.
import { readFile } from 'node:fs/promises';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, session, shell, Tray, utilityProcess, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { BridgeApiError, CHANNELS, EVENT_NAMES, IPC_EVENT_CHANNEL, ipcChannel, type Channel, type EventName, type Settings, type StatusView } from '../../preload/api.js';
import { HIDDEN_ARG, loginItemSettings } from '../engine/autostart.js';
import { EngineHost, type ForkEngine } from '../engine/host.js';
import { dataPaths, resolveDataDir } from '../engine/paths.js';
import { quitConfirmation, trayIconFile, trayModel, type TrayAction } from '../engine/tray.js';
import { APP_PAGE, APP_SCHEME, CSP, isOwnPage, isPairingLink, rendererAsset, shellPaths, windowOptions, type ShellPaths } from './policy.js';

/** What the shell needs of the engine host (the real EngineHost, or a test's). */
export interface ShellHost {
  start(): void;
  stop(): Promise<void>;
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  status(): StatusView | null;
}

/** Electron's utilityProcess as the host's fork function. */
export function utilityForkEngine(modulePath: string, args: string[]): ForkEngine {
  return () => {
    const child = utilityProcess.fork(modulePath, args, { serviceName: 'TaxPoynt POS Bridge engine', stdio: 'inherit' });
    return {
      get pid() {
        return child.pid;
      },
      send: (m) => child.postMessage(m),
      onMessage: (l) => child.on('message', l),
      onExit: (l) => child.once('exit', (code) => l(code, null)),
      kill: () => void child.kill(),
    };
  };
}

const forbidden = { ok: false, error: { code: 'forbidden', message: 'This frame may not talk to the bridge engine.', field: null } } as const;

/** One ipcMain.handle per contract channel; each refuses a sender frame that is not our page. */
export function registerIpc(host: ShellHost, onSettings: (s: Settings) => void): string[] {
  const names: string[] = [];
  for (const channel of CHANNELS) {
    const name = ipcChannel(channel);
    names.push(name);
    ipcMain.handle(name, async (event: IpcMainInvokeEvent, input: unknown) => {
      if (!isOwnPage(event.senderFrame?.url)) return forbidden;
      try {
        const value = await host.invoke(channel, input);
        if (channel === 'settings.set' || channel === 'settings.get') onSettings(value as Settings);
        return { ok: true, value };
      } catch (err) {
        const e = err instanceof BridgeApiError ? err : new BridgeApiError('internal', (err as Error).message ?? String(err));
        return { ok: false, error: e.toShape() };
      }
    });
  }
  return names;
}

/** Blocks navigation, new windows (the pairing link goes to the system browser), webviews and permissions for every web contents. */
export function lockDown(contents: WebContents, host: ShellHost): void {
  contents.on('will-navigate', (event, url) => {
    if (url !== APP_PAGE) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isPairingLink(url, host.status())) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

export function createWindow(paths: ShellPaths, host: ShellHost, state: { quitting: boolean }): BrowserWindow {
  const win = new BrowserWindow(windowOptions(paths.preload, trayIconFile(paths.iconsDir, 'ok')));
  lockDown(win.webContents, host);
  win.on('close', (event) => {
    if (state.quitting) return;
    event.preventDefault();
    win.hide();
  });
  win.once('ready-to-show', () => {
    if (!process.argv.includes(HIDDEN_ARG)) win.show();
  });
  void win.loadURL(APP_PAGE);
  return win;
}

export interface TrayWiring {
  tray: Tray;
  refresh(): void;
  /** The context menu last set (Electron cannot read it back from the tray). */
  menu(): Menu | null;
}

/** The tray drawn from the engine's tray model; a click runs the action the model named. */
export function wireTray(paths: ShellPaths, host: ShellHost, actions: Record<TrayAction, () => void>): TrayWiring {
  const image = (state: ReturnType<typeof trayModel>['state']) => {
    const img = nativeImage.createFromPath(trayIconFile(paths.iconsDir, state));
    if (process.platform === 'darwin') img.setTemplateImage(true);
    return img;
  };
  const tray = new Tray(image('restarting'));
  let last = '';
  let menu: Menu | null = null;
  const refresh = () => {
    const model = trayModel(host.status());
    const key = JSON.stringify(model);
    if (key === last) return;
    last = key;
    tray.setImage(image(model.state));
    tray.setToolTip(model.tooltip);
    menu = Menu.buildFromTemplate(
        model.menu.map((item) =>
          item.id === 'separator'
            ? { type: 'separator' as const }
            : { label: item.label, enabled: item.enabled, type: item.type === 'checkbox' ? ('checkbox' as const) : ('normal' as const), checked: item.checked, click: actions[item.id as TrayAction] },
        ),
    );
    tray.setContextMenu(menu);
  };
  tray.on('click', actions.open);
  refresh();
  return { tray, refresh, menu: () => menu };
}

/** Serves renderer/dist under app://bridge/ with the CSP header; anything else is 404. */
export function serveRenderer(paths: ShellPaths): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const asset = rendererAsset(paths.rendererDir, request.url);
    if (!asset) return new Response('not found', { status: 404 });
    return new Response(await readFile(asset.file), { headers: { 'content-type': asset.contentType, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' } });
  });
}

export function runApp(options: { host?: ShellHost; paths?: ShellPaths } = {}): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  const paths = options.paths ?? shellPaths(process.resourcesPath, app.isPackaged);
  const dataDir = resolveDataDir(undefined);
  const childArgs = JSON.stringify({ dataDir, configFile: dataPaths(dataDir).config, exec: app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()] });
  const host: ShellHost = options.host ?? new EngineHost({ fork: utilityForkEngine(paths.engineChild, [childArgs]) });
  const state = { quitting: false };
  let win: BrowserWindow | null = null;

  const show = (hash?: string) => {
    if (!win || win.isDestroyed()) win = createWindow(paths, host, state);
    if (hash) void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(hash)}`);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const applyLoginItem = (s: Settings) => {
    if (process.platform !== 'linux') app.setLoginItemSettings(loginItemSettings(s.startAtLogin, process.execPath));
  };
  const run = (channel: Channel, input: unknown = {}) => void host.invoke(channel, input).catch(() => undefined);

  app.on('second-instance', () => show());
  app.on('web-contents-created', (_event, contents) => lockDown(contents, host));
  app.on('window-all-closed', () => undefined); // the tray keeps running
  app.on('before-quit', (event) => {
    if (state.quitting) return;
    event.preventDefault();
    const q = quitConfirmation(host.status());
    const choice = dialog.showMessageBoxSync({ type: 'warning', title: q.title, message: q.title, detail: q.consequences.join('\n\n'), buttons: [...q.buttons], defaultId: q.defaultId, cancelId: q.cancelId });
    if (choice !== 0) return;
    state.quitting = true;
    void host.stop().finally(() => app.quit());
  });

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    serveRenderer(paths);
    registerIpc(host, applyLoginItem);
    const tray = wireTray(paths, host, {
      open: () => show(),
      pause: () => run(host.status()?.capturePaused ? 'capture.resume' : 'capture.pause'),
      sync: () => run('sync.now'),
      pair: () => {
        show('#/pairing');
        run('pairing.start');
      },
      install: () => run('update.install'),
      quit: () => app.quit(),
    });
    for (const event of EVENT_NAMES) {
      host.on(event, (payload) => {
        if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
        if (event === 'status') tray.refresh();
        const alert = payload as { notify?: boolean; message?: string };
        if (event === 'alert' && alert.notify && Notification.isSupported()) new Notification({ title: 'TaxPoynt POS Bridge', body: alert.message ?? '' }).show();
      });
    }
    // The packaged-app smoke test (test/packaged) reaches the tray through this: Electron has no API that lists trays.
    if (process.env.TAXPOYNT_BRIDGE_TEST_HOOKS === '1') Object.assign(globalThis, { taxpoyntShell: { tray: tray.tray, menu: tray.menu } });
    host.start();
    void host.invoke('settings.get', {}).then((s) => applyLoginItem(s as Settings), () => undefined);
    if (!process.argv.includes(HIDDEN_ARG)) show();
  });
}
