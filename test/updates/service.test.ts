// The update loop on a fake clock over a real feed: schedule, background download, install window, till activity, merchant, health.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHECK_INTERVAL_MS,
  HEALTH_DEADLINE_MS,
  HeadlessUpdater,
  UpdateClient,
  UpdateService,
  readStatus,
  statusFile,
  type TillActivity,
  type UpdateSettings,
} from '../../main/updates/index.js';
import { publishRelease } from '../../sandbox/updates.js';
import { feedPerTest } from './feed.js';

const t = feedPerTest();

const MIN = 60_000;
/** 14:00 local time on a fixed day: outside the default 02:00-05:00 window. */
const afternoon = new Date(2026, 2, 10, 14, 0).getTime();
const night = new Date(2026, 2, 11, 3, 0).getTime();

interface Harness {
  service: UpdateService;
  clock: { now: number };
  activity: TillActivity;
  settings: UpdateSettings;
  installs: number[];
  notified: string[];
  feedHits(): number;
}

function harness(version = '1.0.0', settings: Partial<UpdateSettings> = {}): Harness {
  const clock = { now: afternoon };
  const activity: TillActivity = { lastReceiptAt: null, batchInFlight: false };
  const full: UpdateSettings = { channel: 'stable', installWindow: '02:00-05:00', baseUrl: t.feed.baseUrl, ...settings };
  const installs: number[] = [];
  const notified: string[] = [];
  const service = new UpdateService({
    client: new UpdateClient(new HeadlessUpdater({ version, dataDir: t.data.dir })),
    settings: () => full,
    activity: () => activity,
    statusFile: statusFile(t.data.dir),
    install: () => installs.push(clock.now),
    onDownloaded: (v) => notified.push(v),
    clock: () => clock.now,
    random: () => 0.5,
  });
  return {
    service,
    clock,
    activity,
    settings: full,
    installs,
    notified,
    feedHits: () => t.feed.requests.filter((url) => url.includes('/latest')).length,
  };
}

describe('update loop', () => {
  it('waits a random delay (here 5 of at most 10 minutes) before the first check, then checks every 4 hours', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.0.0' });
    const h = harness();
    h.service.begin();
    h.clock.now += 5 * MIN - 1;
    await h.service.tick();
    expect(h.feedHits()).toBe(0);
    h.clock.now += 1;
    await h.service.tick();
    expect(h.feedHits()).toBe(1);
    h.clock.now += CHECK_INTERVAL_MS - 1;
    await h.service.tick();
    expect(h.feedHits()).toBe(1);
    h.clock.now += 1;
    await h.service.tick();
    expect(h.feedHits()).toBe(2);
    expect(h.service.status()).toMatchObject({ state: 'idle', last_check: { reason: 'up_to_date' } });
  });

  it('downloads a newer version in the background but installs it only inside the install window', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const h = harness();
    h.service.begin();
    h.clock.now += 10 * MIN;
    await h.service.tick();
    expect(h.service.status()).toMatchObject({ state: 'downloaded', downloaded_version: '1.1.0' });
    expect(h.notified).toEqual(['1.1.0']);
    expect(h.installs).toEqual([]);
    h.clock.now = night;
    await h.service.tick();
    expect(h.installs).toEqual([night]);
    expect(h.service.status().state).toBe('installing');
    expect(h.notified).toEqual(['1.1.0']);
  });

  it('holds the install while a receipt was captured in the last 10 minutes or a batch is in flight', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const h = harness();
    h.service.begin();
    h.clock.now = night;
    h.activity.lastReceiptAt = night - 9 * MIN;
    await h.service.tick();
    expect(h.service.status().downloaded_version).toBe('1.1.0');
    expect(h.installs).toEqual([]);
    h.clock.now = night + 2 * MIN;
    h.activity.batchInFlight = true;
    await h.service.tick();
    expect(h.installs).toEqual([]);
    h.activity.batchInFlight = false;
    await h.service.tick();
    expect(h.installs).toEqual([night + 2 * MIN]);
  });

  it('installs at once, outside the window, when the merchant chooses Restart to update', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const h = harness();
    h.activity.lastReceiptAt = afternoon;
    const report = await h.service.checkNow();
    expect(report.reason).toBe('newer');
    expect(h.installs).toEqual([]);
    expect(await h.service.requestInstall()).toEqual({ install: true, why: 'merchant_asked' });
    expect(h.installs).toEqual([afternoon]);
  });

  it('rolls back to the pin the same way: downloaded, then installed in the window', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '0.9.0' });
    const h = harness('1.0.0', { pinVersion: '0.9.0' });
    h.clock.now = night;
    const report = await h.service.checkNow();
    expect(report.reason).toBe('downgrade_to_pin');
    await h.service.tick();
    expect(h.service.status().downloaded_version).toBe('0.9.0');
    expect(h.installs).toEqual([night]);
  });

  it('refuses a corrupt download: nothing to install, the heartbeat carries the error', async () => {
    const release = publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    writeFileSync(release.files[0]!.path, Buffer.alloc(release.files[0]!.size, 0x41));
    const h = harness();
    h.clock.now = night;
    await h.service.checkNow();
    await h.service.tick();
    expect(h.installs).toEqual([]);
    expect(h.notified).toEqual([]);
    expect(h.service.heartbeat()).toMatchObject({ channel: 'stable', state: 'error', available_version: '1.1.0' });
    expect(h.service.heartbeat().last_error).toMatch(/ERR_CHECKSUM_MISMATCH/);
  });

  it('keeps running through a feed that answers 500, and recovers at the next check', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    t.feed.fault = { kind: 'status', status: 500 };
    const h = harness();
    h.service.begin();
    h.clock.now += 10 * MIN;
    await h.service.tick();
    expect(h.service.heartbeat()).toMatchObject({ state: 'error', available_version: null });
    expect(h.service.heartbeat().last_error).toMatch(/could not be read/);
    t.feed.fault = null;
    h.clock.now += CHECK_INTERVAL_MS;
    await h.service.tick();
    expect(h.service.heartbeat()).toMatchObject({ state: 'downloaded', available_version: '1.1.0', last_error: null });
  });

  it('drops a downloaded version that a newly arrived pin no longer allows', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const h = harness();
    await h.service.checkNow();
    expect(h.service.status().downloaded_version).toBe('1.1.0');
    h.settings.pinVersion = '1.0.0';
    h.clock.now = night;
    await h.service.tick();
    expect(h.installs).toEqual([]);
    expect(h.service.status()).toMatchObject({ downloaded_version: null });
  });

  it('acts on a new pin within the first-check spread instead of waiting 4 hours', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.0.0' });
    const h = harness();
    h.service.begin();
    h.clock.now += 5 * MIN;
    await h.service.tick();
    expect(h.feedHits()).toBe(1);
    publishRelease({ root: t.feed.root, channel: 'stable', version: '0.9.0' });
    h.settings.pinVersion = '0.9.0';
    h.clock.now += MIN;
    await h.service.tick(); // the change is seen: the check is due in 5 minutes (random 0.5 of 10)
    expect(h.feedHits()).toBe(1);
    h.clock.now += 5 * MIN;
    await h.service.tick();
    expect(h.feedHits()).toBe(2);
    expect(h.service.status()).toMatchObject({ last_check: { reason: 'downgrade_to_pin' }, downloaded_version: '0.9.0' });
  });

  it('reports a bad install window from the remote config instead of crashing the loop', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const h = harness('1.0.0', { installWindow: '25:00-26:00' });
    h.clock.now = night;
    await h.service.checkNow();
    await expect(h.service.tick()).resolves.toBeUndefined();
    expect(h.installs).toEqual([]);
    expect(h.service.heartbeat()).toMatchObject({ state: 'error' });
    expect(h.service.heartbeat().last_error).toMatch(/update\.install_window/);
  });

  it('writes its status where `update status` reads it', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const h = harness();
    h.service.begin();
    h.clock.now += 10 * MIN;
    await h.service.tick();
    const saved = readStatus(statusFile(t.data.dir));
    expect(saved).toMatchObject({ current: '1.0.0', channel: 'stable', state: 'downloaded', downloaded_version: '1.1.0' });
    expect(saved?.next_check_at).toBe(new Date(h.clock.now + CHECK_INTERVAL_MS).toISOString());
    expect(JSON.parse(readFileSync(statusFile(t.data.dir), 'utf8'))).toEqual(saved);
  });
});

describe('new version health', () => {
  it('reports a version that failed to become healthy twice, so the cloud can pin the fleet back', () => {
    const first = harness('1.1.0');
    first.service.begin(); // started, crashed before a heartbeat was accepted
    const second = harness('1.1.0');
    second.service.begin(); // started again, never healthy
    expect(second.service.heartbeat().state).not.toBe('unhealthy');
    second.clock.now += HEALTH_DEADLINE_MS;
    expect(second.service.heartbeat()).toMatchObject({ state: 'unhealthy' });
    expect(second.service.heartbeat().last_error).toMatch(/1\.1\.0 failed to become healthy 2 times/);
    const third = harness('1.1.0');
    third.service.begin();
    expect(third.service.heartbeat()).toMatchObject({ state: 'unhealthy' });
  });

  it('a version that becomes healthy is not reported, and a new version starts its count afresh', () => {
    const first = harness('1.1.0');
    first.service.begin();
    first.service.markHealthy();
    const second = harness('1.1.0');
    second.service.begin();
    second.clock.now += HEALTH_DEADLINE_MS;
    expect(second.service.heartbeat()).toMatchObject({ state: 'idle', last_error: null });
    second.service.markHealthy();
    const next = harness('1.2.0');
    next.service.begin();
    expect(readStatus(statusFile(t.data.dir))?.health).toEqual({ version: '1.2.0', starts: 1, failures: 0, healthy: false });
  });
});
