// The tray model, quit confirmation, notification gate, start-at-login and the generated icons: what the merchant sees around the window.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusView, type DeviceStatusView } from '../../preload/api.js';
import { AlertGate } from '../../main/engine/alerts.js';
import { desktopEntry, loginItemSettings, platformAutostart, XdgAutostart } from '../../main/engine/autostart.js';
import { overall } from '../../main/engine/receipts-view.js';
import { quitConfirmation, TRAY_STATES, trayIconFile, trayModel } from '../../main/engine/tray.js';

function device(over: Partial<DeviceStatusView>): DeviceStatusView {
  return {
    id: 'till-1', kind: 'serial_tap', status: 'connected', detail: 'reading /dev/ttyUSB0 at 9600 baud', connected: true, lastReceiptAt: null, receiptsToday: 0, jobs: 0, bytes: 0,
    baud: null, passThrough: null, queuedBytes: null, lanes: [], endpoint: null, silentSince: null, error: null, ...over,
  };
}

function status(over: { devices?: DeviceStatusView[]; pending?: number; review?: number; paused?: boolean; cloud?: Partial<StatusView['cloud']>; engine?: Partial<StatusView['engine']> } = {}): StatusView {
  const base: Omit<StatusView, 'state' | 'headline'> = {
    version: '0.1.0', startedAt: '2026-01-01T08:00:00.000Z', updatedAt: '2026-01-01T08:00:00.000Z', capturePaused: over.paused ?? false,
    engine: { state: 'running', recentCrashes: 0, restarts: 0, nextRestartAt: null, message: null, ...over.engine },
    devices: over.devices ?? [device({})],
    outbox: { counts: { pending: over.pending ?? 0, in_flight: 0, accepted: 3, duplicate: 0, rejected: 0, review: over.review ?? 0, unparsed: 0, reading: 0 }, pending: over.pending ?? 0, review: over.review ?? 0, rejected: 0, oldestPendingAgeS: null, buffered: 0 },
    cloud: { paired: true, business: { name: 'Graceland Mart', tin: '12345678-0001', location: 'Ikeja', businessId: 'b1' }, state: 'idle', offline: false, rateLimited: false, lastSyncAt: null, lastError: null, nextRetryAt: null, ...over.cloud },
    today: { receipts: 3, accepted: 3, total: '1000.00', vat: '69.77' },
    alerts: [],
    pairing: { state: 'idle', userCode: null, verificationUri: null, verificationUriComplete: null, qr: null, expiresAt: null, business: null, message: null },
  };
  return StatusView.parse({ ...base, ...overall(base) });
}

describe('tray model', () => {
  it('turns each overall state into a tray state with the headline as tooltip', () => {
    expect(trayModel(status()).state).toBe('ok');
    expect(trayModel(status({ paused: true })).state).toBe('paused');
    expect(trayModel(status({ cloud: { state: 'breaker_open', offline: true }, pending: 4 })).state).toBe('offline');
    expect(trayModel(status({ review: 2 })).state).toBe('attention');
    expect(trayModel(status({ engine: { state: 'restarting' } })).state).toBe('restarting');
    expect(trayModel(status({ engine: { state: 'attention', recentCrashes: 5 } })).state).toBe('attention');
    expect(trayModel(null).state).toBe('restarting');
    const offline = trayModel(status({ cloud: { state: 'backing_off', offline: true }, pending: 4 }));
    expect(offline.tooltip).toMatch(/^TaxPoynt POS Bridge: The TaxPoynt cloud cannot be reached; 4 receipt/);
    expect(offline.tooltip.length).toBeLessThanOrEqual(127);
  });

  it('offers Open, Pause capture, Sync now, Pair and Quit, enabled as the state allows', () => {
    const ids = (m: ReturnType<typeof trayModel>) => m.menu.filter((i) => i.type !== 'separator').map((i) => i.id);
    const paired = trayModel(status({ pending: 3 }));
    expect(ids(paired)).toEqual(['open', 'pause', 'sync', 'pair', 'quit']);
    const item = (m: ReturnType<typeof trayModel>, id: string) => m.menu.find((i) => i.id === id)!;
    expect(item(paired, 'sync')).toMatchObject({ enabled: true, label: 'Sync now (3 waiting)' });
    expect(item(paired, 'pair')).toMatchObject({ enabled: false, label: 'Paired with Graceland Mart' });
    const unpaired = trayModel(status({ cloud: { paired: false, state: 'not_paired', business: null } }));
    expect(unpaired.state).toBe('attention');
    expect(item(unpaired, 'pair')).toMatchObject({ enabled: true, label: 'Pair with TaxPoynt…' });
    expect(item(unpaired, 'sync').enabled).toBe(false);
    // A pairing the cloud refused says so, and offers to pair again (the business is still known from the keychain).
    const lost = trayModel(status({ pending: 2, cloud: { paired: false, state: 'pairing_lost' } }));
    expect(lost.state).toBe('attention');
    expect(lost.tooltip).toMatch(/^TaxPoynt POS Bridge: Pairing lost/);
    expect(item(lost, 'pair')).toMatchObject({ enabled: true, label: 'Pairing lost: pair again…' });
    expect(item(trayModel(status({ paused: true })), 'pause')).toMatchObject({ checked: true, type: 'checkbox' });
    const down = trayModel(null);
    expect(item(down, 'open').enabled).toBe(true);
    expect(item(down, 'quit').enabled).toBe(true);
    expect(item(down, 'pause').enabled).toBe(false);
  });

  it('quit says when the till prints through the bridge and when receipts are not sent yet', () => {
    const calm = quitConfirmation(status({ devices: [device({})] }));
    expect(calm.consequences).toEqual(['Receipts printed while the bridge is closed are not recorded.']);
    const vp = device({ id: 'counter-printer', kind: 'virtual_printer', status: 'listening', passThrough: 'connected' });
    const busy = quitConfirmation(status({ devices: [vp], pending: 7 }));
    expect(busy.consequences[0]).toBe("The till prints through this bridge (counter-printer): quitting stops the till's printing until the bridge runs again.");
    expect(busy.consequences[1]).toBe('7 receipts are not sent to TaxPoynt yet; they are kept and sent when the bridge runs again.');
    expect(busy.message).toContain("stops the till's printing");
    expect(busy.buttons).toEqual(['Quit', 'Keep running']);
    expect(busy.defaultId).toBe(busy.cancelId);
  });

  it('has an icon file for every state on every platform, and the files are real PNG / ICO images', () => {
    const dir = join(process.cwd(), 'resources', 'icons');
    for (const state of TRAY_STATES) {
      for (const platform of ['linux', 'win32', 'darwin'] as const) expect(existsSync(trayIconFile(dir, state, platform)), `${state} ${platform}`).toBe(true);
      const png = readFileSync(trayIconFile(dir, state, 'linux'));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(16);
      const png2x = readFileSync(join(dir, 'linux', `tray-${state}@2x.png`));
      expect(png2x.readUInt32BE(16)).toBe(32);
      const ico = readFileSync(trayIconFile(dir, state, 'win32'));
      expect(ico.readUInt16LE(2)).toBe(1);
      expect(ico.readUInt16LE(4)).toBe(2);
      // A macOS template is black: every visible pixel has r = g = b = 0.
      const tpl = readFileSync(trayIconFile(dir, state, 'darwin'));
      const raw = inflateSync(tpl.subarray(41, 41 + tpl.readUInt32BE(33)));
      let visible = 0;
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) {
        const i = y * 65 + 1 + x * 4;
        if (raw[i + 3]! > 0) {
          visible++;
          expect(raw[i]! + raw[i + 1]! + raw[i + 2]!).toBe(0);
        }
      }
      expect(visible).toBeGreaterThan(30);
    }
  });
});

describe('notifications', () => {
  it('notifies a problem once while it lasts, again only after it cleared and time passed, and at most 3 per 10 minutes', () => {
    let now = 0;
    const gate = new AlertGate(() => now);
    const a = { code: 'device_disconnected', subject: 'till-1', severity: 'warning' as const };
    expect(gate.admit(a)).toBe(true);
    expect(gate.admit(a)).toBe(false);
    gate.clear(a);
    now += 60_000;
    expect(gate.admit(a)).toBe(false); // back within 30 minutes of the last notification
    gate.clear(a);
    now += 31 * 60_000;
    expect(gate.admit(a)).toBe(true);
    expect(gate.admit({ code: 'x', subject: null, severity: 'info' })).toBe(false);
    expect(gate.admit({ code: 'b', subject: null, severity: 'error' })).toBe(true);
    expect(gate.admit({ code: 'c', subject: null, severity: 'error' })).toBe(true);
    expect(gate.admit({ code: 'd', subject: null, severity: 'error' })).toBe(false); // fourth in the window
    now += 10 * 60_000;
    expect(gate.admit({ code: 'e', subject: null, severity: 'error' })).toBe(true);
  });

  it('a burst of problems does not swallow "restart to update": that notice comes once per version, outside the budget', () => {
    const now = 0;
    const gate = new AlertGate(() => now);
    for (const code of ['a', 'b', 'c']) expect(gate.admit({ code, subject: null, severity: 'error' })).toBe(true);
    expect(gate.admit({ code: 'd', subject: null, severity: 'error' })).toBe(false); // the budget is spent
    const ready = (version: string) => ({ code: 'update_downloaded', subject: version, severity: 'warning' as const });
    expect(gate.admit(ready('1.1.0'))).toBe(true);
    expect(gate.admit(ready('1.1.0'))).toBe(false); // once per version
    gate.clear(ready('1.1.0'));
    expect(gate.admit(ready('1.1.0'))).toBe(false); // not again soon after, even once cleared
    expect(gate.admit(ready('1.2.0'))).toBe(true);
    // Nor does it take one of the budget's slots: after it, three problems still notify.
    const fresh = new AlertGate(() => now);
    expect(fresh.admit(ready('1.1.0'))).toBe(true);
    for (const code of ['a', 'b', 'c']) expect(fresh.admit({ code, subject: null, severity: 'error' })).toBe(true);
  });
});

describe('start at login', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes and removes an XDG autostart entry on Linux that starts the app hidden', () => {
    const home = mkdtempSync(join(tmpdir(), 'tp-autostart-'));
    dirs.push(home);
    const auto = platformAutostart({ platform: 'linux', exec: ['/opt/TaxPoynt POS Bridge/taxpoynt-pos-bridge'], dataDir: join(home, 'data'), env: {}, home });
    expect(auto).toBeInstanceOf(XdgAutostart);
    const file = join(home, '.config', 'autostart', 'taxpoynt-pos-bridge.desktop');
    expect(auto.enabled()).toBe(false);
    auto.set(true);
    expect(auto.enabled()).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\nName=TaxPoynt POS Bridge');
    expect(text).toContain('Exec="/opt/TaxPoynt POS Bridge/taxpoynt-pos-bridge" --hidden');
    auto.set(false);
    expect(existsSync(file)).toBe(false);
    expect(desktopEntry(['/a/b', 'x$y'])).toContain('Exec=/a/b "x\\$y"');
    const xdg = platformAutostart({ platform: 'linux', exec: ['/x'], dataDir: home, env: { XDG_CONFIG_HOME: join(home, 'cfg') }, home });
    xdg.set(true);
    expect(existsSync(join(home, 'cfg', 'autostart', 'taxpoynt-pos-bridge.desktop'))).toBe(true);
  });

  it('keeps the choice for the shell to apply as login items on Windows and macOS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-autostart-'));
    dirs.push(dir);
    const auto = platformAutostart({ platform: 'win32', exec: ['C:\\x.exe'], dataDir: dir });
    expect(auto.enabled()).toBe(false);
    auto.set(true);
    expect(platformAutostart({ platform: 'win32', exec: ['C:\\x.exe'], dataDir: dir }).enabled()).toBe(true);
    expect(loginItemSettings(true, 'C:\\x.exe')).toEqual({ openAtLogin: true, openAsHidden: true, path: 'C:\\x.exe', args: ['--hidden'] });
  });
});
