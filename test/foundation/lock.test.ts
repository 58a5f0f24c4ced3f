// One engine per data dir: a second owner is told which process holds it; a stale lock is taken over.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirBusy } from '../../main/engine/lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('data dir lock', () => {
  it('a second owner gets DataDirBusy naming the pid that holds it', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'bridge.lock'), JSON.stringify({ pid: holder.pid, host: hostname(), command: 'taxpoynt-bridge run', started_at: 'x' }));
      expect(() => acquireDataDirLock(dir)).toThrow(DataDirBusy);
      expect(() => acquireDataDirLock(dir)).toThrow(new RegExp(`process ${holder.pid}`));
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a lock left by a dead process is taken over, and released on stop', () => {
    writeFileSync(join(dir, 'bridge.lock'), JSON.stringify({ pid: 999_999_9, host: hostname(), command: 'x', started_at: 'x' }));
    const lock = acquireDataDirLock(dir);
    expect(existsSync(lock.file)).toBe(true);
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
  });
});
