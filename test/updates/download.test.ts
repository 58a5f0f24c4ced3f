// electron-updater's own download over our Node executor: the exact bytes land in its cache, a corrupt file is refused by its sha512.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeadlessUpdater, UpdateClient, feedUrlFor } from '../../main/updates/index.js';
import { publishRelease } from '../../sandbox/updates.js';
import { feedPerTest } from './feed.js';

const t = feedPerTest();

function client(version = '1.0.0'): UpdateClient {
  return new UpdateClient(new HeadlessUpdater({ version, dataDir: t.data.dir }));
}

const stable = () => ({ feedUrl: feedUrlFor(t.feed.baseUrl, 'stable'), channel: 'stable' as const });

describe('update download', () => {
  it('downloads the offered package byte for byte into the updater cache', async () => {
    const release = publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const c = client();
    expect((await c.check(stable())).reason).toBe('newer');
    const [file] = await c.download();
    expect(file).toContain(join(t.data.dir, 'updates'));
    expect(readFileSync(file!)).toEqual(readFileSync(release.files[0]!.path));
  });

  it('refuses a download whose bytes do not match the sha512 in the feed, and keeps nothing', async () => {
    const release = publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const artifact = release.files[0]!.path;
    const bytes = readFileSync(artifact);
    bytes[10] = bytes[10]! ^ 0xff; // same size, one byte flipped: only the checksum can tell
    writeFileSync(artifact, bytes);
    const c = client();
    expect((await c.check(stable())).available).toBe(true);
    await expect(c.download()).rejects.toMatchObject({ code: 'ERR_CHECKSUM_MISMATCH' });
    const pending = join(t.data.dir, 'updates', 'taxpoynt-pos-bridge-updater', 'pending');
    const left = existsSync(pending) ? readdirSync(pending).filter((name) => name.endsWith('.AppImage')) : [];
    expect(left).toEqual([]);
  });

  it('prefers the package for this platform when a release lists several files', async () => {
    publishRelease({
      root: t.feed.root,
      channel: 'stable',
      version: '1.1.0',
      platform: 'linux',
      files: [
        { name: 'taxpoynt-pos-bridge_1.1.0_amd64.deb', bytes: Buffer.from('deb package') },
        { name: 'TaxPoynt-POS-Bridge-1.1.0.AppImage', bytes: Buffer.from('appimage package') },
      ],
    });
    const c = new UpdateClient(new HeadlessUpdater({ version: '1.0.0', dataDir: t.data.dir, platform: 'linux' }));
    await c.check(stable());
    const [file] = await c.download();
    expect(readFileSync(file!, 'utf8')).toBe('appimage package');
  });

  it('keeps one staging id per machine across updater instances', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0', stagingPercentage: 50 });
    const first = await client().check(stable());
    const id = readFileSync(join(t.data.dir, '.updaterId'), 'utf8');
    for (let i = 0; i < 3; i++) {
      expect((await client().check(stable())).reason).toBe(first.reason);
    }
    expect(readFileSync(join(t.data.dir, '.updaterId'), 'utf8')).toBe(id);
  });

  it('refuses to install headless without an installer, with a message saying what to do', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const updater = new HeadlessUpdater({ version: '1.0.0', dataDir: t.data.dir });
    const c = new UpdateClient(updater);
    await c.check(stable());
    await c.download();
    const errors: Error[] = [];
    updater.on('error', (e) => errors.push(e));
    expect(updater.install(true, true)).toBe(false);
    expect(errors[0]?.message).toMatch(/package manager/);
  });

  it('hands the verified package to the injected installer and then quits', async () => {
    publishRelease({ root: t.feed.root, channel: 'stable', version: '1.1.0' });
    const installed: string[] = [];
    let quit = 0;
    const updater = new HeadlessUpdater({
      version: '1.0.0',
      dataDir: t.data.dir,
      installer: (file) => {
        installed.push(file);
        return true;
      },
      quit: () => quit++,
    });
    const c = new UpdateClient(updater);
    await c.check(stable());
    const [file] = await c.download();
    updater.quitAndInstall(true, true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(installed).toEqual([file]);
    expect(quit).toBe(1);
  });
});
