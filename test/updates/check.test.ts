// `update check --json` against a real feed on 127.0.0.1 the bridge has never seen: staging, channel and pin varied.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { command } from '../../main/cli/update.js';
import { HeadlessUpdater, UpdateClient, UpdateService, statusFile, type CheckReport } from '../../main/updates/index.js';
import { packageVersion } from '../../main/engine/version.js';
import { publishRelease } from '../../sandbox/updates.js';
import { around, feedPerTest } from './feed.js';

const current = packageVersion();
const v = around(current);

const t = feedPerTest();

async function check(updates: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; report: CheckReport }> {
  const configFile = join(t.data.dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ updates: { base_url: t.feed.baseUrl, ...updates } }));
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await command.run({ argv: ['check', '--json'], dataDir: t.data.dir, configFile, env, stdin: new PassThrough(), stdout, stderr: new PassThrough() });
  return { code, report: JSON.parse(Buffer.concat(chunks).toString('utf8')) as CheckReport };
}

describe('update check --json', () => {
  it('offers a newer version published on the stable channel', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newer });
    const { code, report } = await check();
    expect(code).toBe(0);
    expect(report).toEqual({ current, channel: 'stable', latest: v.newer, available: true, reason: 'newer' });
    expect(t.feed.requests.some((url) => url.startsWith('/updates/stable/latest'))).toBe(true);
  });

  it('says up_to_date when the feed holds the running version', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: current });
    const { report } = await check();
    expect(report).toMatchObject({ latest: current, available: false, reason: 'up_to_date' });
  });

  it('keeps a machine out of a roll-out staged at 0 %', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newer, stagingPercentage: 0 });
    const { report } = await check();
    expect(report).toMatchObject({ latest: v.newer, available: false, reason: 'staged_out' });
  });

  it('lets every machine into a roll-out staged at 100 %', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newer, stagingPercentage: 100 });
    const { report } = await check();
    expect(report).toMatchObject({ latest: v.newer, available: true, reason: 'newer' });
  });

  it("decides a partial roll-out by this machine's own staging id, kept in its data dir", async () => {
    // electron-updater reads bytes 12-15 of the id as a fraction of 0xffffffff: 0x40000000 is 25 %.
    writeFileSync(join(t.data.dir, '.updaterId'), '0e7a3b1c-5d2f-5a4b-8c6d-9e0f40000000');
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newer, stagingPercentage: 20 });
    expect((await check()).report.reason).toBe('staged_out');
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newer, stagingPercentage: 30 });
    expect((await check()).report.reason).toBe('newer');
  });

  it('reads the beta channel from its own folder when the config says beta', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: current });
    publishRelease({ root: t.feed.root, channel: 'beta', version: v.beta });
    const stable = await check();
    expect(stable.report.reason).toBe('up_to_date');
    const beta = await check({ channel: 'beta' });
    expect(beta.report).toMatchObject({ channel: 'beta', latest: v.beta, available: true, reason: 'newer' });
    expect(t.feed.requests.some((url) => url.startsWith('/updates/beta/latest'))).toBe(true);
  });

  it('rolls back to a pin below the running version, and only to exactly the pin', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.older });
    const pinned = await check({ pin_version: v.older });
    expect(pinned.report).toMatchObject({ latest: v.older, available: true, reason: 'downgrade_to_pin', pin: v.older });
    const unpinned = await check();
    expect(unpinned.report).toMatchObject({ latest: v.older, available: false, reason: 'up_to_date' });
  });

  it('never passes a pin: a newer version above the pin is refused as pinned', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newest });
    const { report } = await check({ pin_version: v.newer });
    expect(report).toMatchObject({ latest: v.newest, available: false, reason: 'pinned' });
    const atPin = await check({ pin_version: v.newest });
    expect(atPin.report).toMatchObject({ available: true, reason: 'newer' });
  });

  it('reports feed_error with the cause when the feed answers 500', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newer });
    t.feed.fault = { kind: 'status', status: 500 };
    const { code, report } = await check();
    expect(code).toBe(1);
    expect(report).toMatchObject({ current, latest: null, available: false, reason: 'feed_error' });
    expect(report.error?.code).toBe('HTTP_ERROR_500');
    expect(report.error?.message).toMatch(/could not be read.*the bridge keeps running/);
  });

  it('reports feed_error when the feed answers garbage instead of YAML', async () => {
    t.feed.fault = { kind: 'garbage' };
    const { code, report } = await check();
    expect(code).toBe(1);
    expect(report.reason).toBe('feed_error');
    expect(report.error?.message).toBeTruthy();
  });

  it('reports feed_error when nothing listens at the feed address', async () => {
    const { code, report } = await check({ base_url: 'http://127.0.0.1:9/updates' });
    expect(code).toBe(1);
    expect(report).toMatchObject({ reason: 'feed_error', error: { code: 'ECONNREFUSED' } });
  });

  it('reports feed_error when the channel has never been published', async () => {
    const { report } = await check();
    expect(report).toMatchObject({ reason: 'feed_error', error: { code: 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND' } });
  });

  it('takes the feed base from TAXPOYNT_BRIDGE_UPDATE_URL over the config file', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newer });
    const { report } = await check({ base_url: 'http://127.0.0.1:9/nowhere' }, { TAXPOYNT_BRIDGE_UPDATE_URL: t.feed.baseUrl });
    expect(report.reason).toBe('newer');
  });

  it('says where to set the feed when no base URL is configured', async () => {
    const configFile = join(t.data.dir, 'config.json');
    writeFileSync(configFile, '{}');
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const code = await command.run({ argv: ['check'], dataDir: t.data.dir, configFile, env: {}, stdin: new PassThrough(), stdout, stderr: new PassThrough() });
    expect(code).toBe(1);
    expect(Buffer.concat(chunks).toString()).toMatch(/reason: +feed_error[\s\S]*TAXPOYNT_BRIDGE_UPDATE_URL/);
  });
});

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const configFile = join(t.data.dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ updates: { base_url: t.feed.baseUrl } }));
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await command.run({ argv, dataDir: t.data.dir, configFile, env: {}, stdin: new PassThrough(), stdout, stderr: new PassThrough() });
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

describe('update status', () => {
  it('says no check has run yet on a fresh machine', async () => {
    const { code, out } = await run(['status']);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`current: +${current.replace(/\./g, '\\.')}`));
    expect(out).toMatch(/state: +idle/);
    expect(out).toMatch(/last check: none yet/);
  });

  it('shows the state, the downloaded version and the next check the running bridge recorded', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: v.newer });
    const now = Date.UTC(2026, 0, 5, 12, 0);
    const service = new UpdateService({
      client: new UpdateClient(new HeadlessUpdater({ version: current, dataDir: t.data.dir })),
      settings: () => ({ channel: 'stable', installWindow: '02:00-05:00', baseUrl: t.feed.baseUrl }),
      activity: () => ({ lastReceiptAt: now, batchInFlight: false }),
      statusFile: statusFile(t.data.dir),
      install: () => undefined,
      clock: () => now,
    });
    await service.checkNow();
    const { out } = await run(['status']);
    expect(out).toMatch(/state: +downloaded/);
    expect(out).toMatch(new RegExp(`downloaded: +${v.newer.replace(/\./g, '\\.')}`));
    expect(out).toContain(`next check: ${new Date(now + 4 * 3600_000).toISOString()}`);
    const json = JSON.parse((await run(['status', '--json'])).out) as { state: string; downloaded_version: string };
    expect(json).toMatchObject({ state: 'downloaded', downloaded_version: v.newer });
  });

  it('refuses an unknown sub-command with a usage error', async () => {
    await expect(run(['upgrade'])).rejects.toMatchObject({ code: 'usage' });
  });
});
