// "Restart to update to X": the tray item and its one notification per version, over a real engine and a sandbox update feed; the tray model on its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusView, type AlertView, type Output, type UpdateView } from '../../preload/api.js';
import { Bridge } from '../../main/engine/bridge.js';
import { setConfigValue } from '../../main/engine/config.js';
import { createDispatcher, type Dispatcher } from '../../main/engine/dispatcher.js';
import { overall } from '../../main/engine/receipts-view.js';
import { trayModel } from '../../main/engine/tray.js';
import { publishRelease } from '../../sandbox/updates.js';
import { appWorld, hasKeyring, waitFor, type AppWorld } from './fixture.js';
import { lacks } from '../support/platform.js';

const UPDATE: UpdateView = {
  current: '1.0.0',
  channel: 'stable',
  state: 'idle',
  availableVersion: null,
  downloadedVersion: null,
  lastCheckAt: null,
  lastCheckResult: null,
  nextCheckAt: null,
  lastError: null,
};

function status(update?: Partial<UpdateView>, engine: StatusView['engine']['state'] = 'running'): StatusView {
  const base: Omit<StatusView, 'state' | 'headline'> = {
    version: '1.0.0', startedAt: '2026-01-01T08:00:00.000Z', updatedAt: '2026-01-01T08:00:00.000Z', capturePaused: false,
    engine: { state: engine, recentCrashes: 0, restarts: 0, nextRestartAt: null, message: null },
    devices: [],
    outbox: { counts: { pending: 0, in_flight: 0, accepted: 0, duplicate: 0, rejected: 0, review: 0, unparsed: 0, reading: 0 }, pending: 0, review: 0, rejected: 0, oldestPendingAgeS: null, buffered: 0 },
    cloud: { paired: true, business: { name: 'Graceland Mart', tin: '12345678-0001', location: 'Ikeja', businessId: 'b1' }, state: 'idle', offline: false, rateLimited: false, lastSyncAt: null, lastError: null, nextRetryAt: null },
    today: { receipts: 0, accepted: 0, total: '0.00', vat: '0.00' },
    alerts: [],
    pairing: { state: 'idle', userCode: null, verificationUri: null, verificationUriComplete: null, qr: null, expiresAt: null, business: null, message: null },
    ...(update ? { update: { ...UPDATE, ...update } } : {}),
  };
  return StatusView.parse({ ...base, ...overall(base) });
}

const labels = (s: StatusView | null) => trayModel(s).menu.filter((i) => i.type !== 'separator').map((i) => i.label);

describe('tray model: Restart to update', () => {
  it('offers "Restart to update to X" only once a version is downloaded, just above Quit', () => {
    expect(labels(status())).not.toContainEqual(expect.stringMatching(/update/i));
    expect(labels(status({ state: 'downloading', availableVersion: '1.1.0' }))).not.toContainEqual(expect.stringMatching(/update/i));
    expect(labels(null)).not.toContainEqual(expect.stringMatching(/update/i));
    const ready = trayModel(status({ state: 'downloaded', availableVersion: '1.1.0', downloadedVersion: '1.1.0' }));
    const ids = ready.menu.filter((i) => i.type !== 'separator').map((i) => i.id);
    expect(ids).toEqual(['open', 'pause', 'sync', 'pair', 'install', 'quit']);
    expect(ready.menu.find((i) => i.id === 'install')).toMatchObject({ label: 'Restart to update to 1.1.0', enabled: true, type: 'normal' });
  });

  it('is greyed while the install runs or the engine restarts', () => {
    const installing = trayModel(status({ state: 'installing', downloadedVersion: '1.1.0' }));
    expect(installing.menu.find((i) => i.id === 'install')).toMatchObject({ label: 'Restarting to update to 1.1.0…', enabled: false });
    const restarting = trayModel(status({ state: 'downloaded', downloadedVersion: '1.1.0' }, 'restarting'));
    expect(restarting.menu.find((i) => i.id === 'install')?.enabled).toBe(false);
  });
});

describe.runIf(hasKeyring && !lacks('ptys', 'the updates-over-an-engine tests (their till is a pty)'))('updates over a real engine and a sandbox update feed', () => {
  let world: AppWorld;
  let feedRoot: string;
  let bridge: Bridge | undefined;
  let api: Dispatcher | undefined;

  beforeEach(async () => {
    feedRoot = mkdtempSync(join(tmpdir(), 'tp-app-feed-'));
    world = await appWorld({ sandbox: { updatesRoot: feedRoot }, devices: [] });
  });
  afterEach(async () => {
    api?.close();
    await bridge?.stop();
    api = undefined;
    bridge = undefined;
    await world.close();
    rmSync(feedRoot, { recursive: true, force: true });
  });

  it('a downloaded version adds "Restart to update to X" to the tray with exactly one notification per version; the item installs it', async () => {
    setConfigValue(world.configFile, 'updates.base_url', `${world.sandbox.url}/updates`);
    const installs: number[] = [];
    bridge = await Bridge.start({
      dataDir: world.dataDir,
      configFile: world.configFile,
      version: '1.0.0',
      vault: world.vault,
      forwarder: { idlePollMs: 100, pairingRecheckMs: 200 },
      updates: { install: () => installs.push(Date.now()) },
    });
    api = createDispatcher(bridge, { statusIntervalMs: 50 });
    await api.ready;
    const alerts: AlertView[] = [];
    const statuses: StatusView[] = [];
    api.on('alert', (a) => alerts.push(a));
    api.on('status', (s) => statuses.push(s));
    const notified = () => alerts.filter((a) => a.code === 'update_downloaded' && a.notify).map((a) => a.message);
    const tray = async () => trayModel((await api!.invoke('status', {})) as StatusView);

    // Nothing published that is newer: Settings shows the check and its result, the tray offers nothing.
    publishRelease({ root: feedRoot, channel: 'stable', version: '1.0.0' });
    const first = (await api.invoke('update.check', {})) as Output<'update.check'>;
    expect(first.update).toMatchObject({ current: '1.0.0', channel: 'stable', state: 'idle', downloadedVersion: null, lastError: null });
    expect(first.update?.lastCheckAt).not.toBeNull();
    expect(first.update?.lastCheckResult).toBe('Up to date: 1.0.0 is the latest version on the stable channel.');
    expect((await tray()).menu.map((i) => i.id)).not.toContain('install');
    // The feed's address is not part of what the app shows.
    expect(JSON.stringify(await api.invoke('status', {}))).not.toContain(world.sandbox.url);

    // 1.1.0 is published: the check downloads it; the tray gains the item and one notification is raised.
    publishRelease({ root: feedRoot, channel: 'stable', version: '1.1.0' });
    const second = (await api.invoke('update.check', {})) as Output<'update.check'>;
    expect(second.update).toMatchObject({ state: 'downloaded', downloadedVersion: '1.1.0', lastCheckResult: 'Version 1.1.0 is available.' });
    expect((await tray()).menu.find((i) => i.id === 'install')).toMatchObject({ label: 'Restart to update to 1.1.0', enabled: true });
    await waitFor(() => statuses.some((s) => s.update?.downloadedVersion === '1.1.0'), 5000, 'a status event carrying the downloaded version');
    expect(notified()).toEqual(['Version 1.1.0 is ready: restart to update.']);

    // Checking again and many status rounds later: still one notification for 1.1.0.
    await api.invoke('update.check', {});
    for (let i = 0; i < 5; i++) await api.invoke('status', {});
    await new Promise((r) => setTimeout(r, 300));
    expect(notified()).toEqual(['Version 1.1.0 is ready: restart to update.']);

    // A newer version is a new notification, once.
    publishRelease({ root: feedRoot, channel: 'stable', version: '1.2.0' });
    await api.invoke('update.check', {});
    await api.invoke('status', {});
    await api.invoke('status', {});
    expect(notified()).toEqual(['Version 1.1.0 is ready: restart to update.', 'Version 1.2.0 is ready: restart to update.']);
    expect((await tray()).menu.find((i) => i.id === 'install')?.label).toBe('Restart to update to 1.2.0');

    // The tray item's request: installs now, outside the night window, because the merchant asked.
    expect(installs).toEqual([]);
    const installed = (await api.invoke('update.install', {})) as Output<'update.install'>;
    expect(installed).toEqual({ installing: true, reason: 'merchant_asked', version: '1.2.0' });
    expect(installs).toHaveLength(1);
    expect(((await api.invoke('update.status', {})) as Output<'update.status'>).update?.state).toBe('installing');
    expect((await tray()).menu.find((i) => i.id === 'install')).toMatchObject({ label: 'Restarting to update to 1.2.0…', enabled: false });
  });

  it('update.install with nothing downloaded says so and installs nothing', async () => {
    const installs: number[] = [];
    bridge = await Bridge.start({ dataDir: world.dataDir, configFile: world.configFile, version: '1.0.0', vault: world.vault, updates: { install: () => installs.push(1) } });
    api = createDispatcher(bridge, { statusIntervalMs: 50 });
    await api.ready;
    expect(await api.invoke('update.install', {})).toEqual({ installing: false, reason: 'nothing_downloaded', version: null });
    expect(installs).toEqual([]);
    // No feed configured: the check reports what to set, in Settings' words.
    const checked = (await api.invoke('update.check', {})) as Output<'update.check'>;
    expect(checked.update).toMatchObject({ state: 'error', lastCheckResult: expect.stringContaining('updates.base_url') });
  });
});
