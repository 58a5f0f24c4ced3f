// A full disk (a real 2 MiB tmpfs): capture keeps going in a bounded memory buffer, an alert is raised, held jobs are written when space returns.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureBufferFull, openStore, type Store } from '../../main/store/index.js';
import { KeychainVault } from '../../main/vault/index.js';
import { Logger } from '../../main/telemetry/log.js';
import { job } from './harness.js';
import { parsed } from './sample.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'tp-store-full-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  rmdirSync(mountPoint);
}

const vault = new KeychainVault(`${process.env.TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE ?? 'tp-test'}-diskfull-${process.pid}`);
const stores: Store[] = [];

beforeAll(() => {
  if (!mounted) console.warn('disk-full tests skipped: mounting a tmpfs needs root');
});
afterAll(async () => {
  for (const s of stores) s.close();
  await vault.delete('database-key').catch(() => false);
  if (mounted) {
    execFileSync('umount', [mountPoint]);
    rmdirSync(mountPoint);
  }
});

describe.skipIf(!mounted)('store on a full disk', () => {
  it('holds jobs in memory with an alert while the disk is full, and writes them out when space returns', async () => {
    const dataDir = join(mountPoint, 'a');
    const log = new Logger({ file: join(dataDir, 'logs', 'bridge.log') });
    const store = await openStore({ dataDir, vault, log });
    stores.push(store);
    const filler = join(mountPoint, 'filler');
    writeFileSync(filler, Buffer.alloc(512 * 1024));

    const durable: string[] = [];
    const held: string[] = [];
    for (let i = 0; i < 4000 && held.length < 20; i++) {
      const r = store.journal(job('till-1', undefined, 1200));
      (r.buffered ? held : durable).push(r.id);
    }
    expect(durable.length).toBeGreaterThan(20);
    expect(held).toHaveLength(20);
    expect(store.buffered).toBe(20);
    expect(store.alerts.map((a) => a.code)).toContain('disk_full');
    // A parse recorded while the job is held travels with it.
    expect(store.recordParse(parsed(held[0]!))).toBe('pending');
    // Still full: nothing written, nothing lost.
    expect(store.flushBuffer()).toBe(0);
    expect(store.readJournal(held[1]!)).not.toBeNull();

    rmSync(filler);
    expect(store.flushBuffer()).toBe(20);
    expect(store.buffered).toBe(0);
    expect(store.alerts.map((a) => a.code)).not.toContain('disk_full');
    expect(store.get(held[0]!)!.state).toBe('pending');
    const journaled = store.connection.prepare('SELECT count(*) AS n FROM journal').get() as { n: number };
    expect(journaled.n).toBe(durable.length + held.length);
    expect(store.unparsedJournal(10_000)).toHaveLength(durable.length + held.length - 1);
    expect(store.integrity()).toEqual([]);
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses more than the buffer bound with an alert, rather than growing without limit', async () => {
    const dataDir = join(mountPoint, 'b');
    const store = await openStore({ dataDir, vault, log: new Logger({}), buffer: { jobs: 5, bytes: 1 << 20 } });
    stores.push(store);
    writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(256 * 1024));
    let held = 0;
    let refused: unknown;
    for (let i = 0; i < 4000 && !refused; i++) {
      try {
        if (store.journal(job()).buffered) held++;
      } catch (err) {
        refused = err;
      }
    }
    expect(held).toBe(5);
    expect(refused).toBeInstanceOf(CaptureBufferFull);
    expect(store.alerts.map((a) => a.code)).toEqual(expect.arrayContaining(['disk_full', 'capture_buffer_full']));
  });
});
