// Only one engine may own a data dir: a lock file naming the owner's pid, taken atomically, stale ones replaced.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DataDirBusy extends Error {
  readonly code = 'data_dir_busy';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The data dir ${dataDir} is already in use by process ${owner.pid} (${owner.command}, started ${owner.started_at}). ` +
        'Only one bridge may run per data dir: stop that one first, or use another --data-dir.',
    );
    this.name = 'DataDirBusy';
  }
}

export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  started_at: string;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

export function acquireDataDirLock(dataDir: string, command = 'taxpoynt-bridge run'): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'bridge.lock');
  const me: LockOwner = { pid: process.pid, host: hostname(), command, started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          if (readOwner(file)?.pid === process.pid) unlinkSync(file);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(file);
      // A lock whose process is gone (crash, power cut) is stale: take it over.
      if (owner && owner.pid !== process.pid && processAlive(owner.pid) && owner.host === me.host) throw new DataDirBusy(dataDir, owner);
      try {
        unlinkSync(file);
      } catch {
        // another starter removed it first; try again
      }
    }
  }
  const owner = readOwner(file);
  throw new DataDirBusy(dataDir, owner ?? { pid: -1, host: me.host, command: 'unknown', started_at: 'unknown' });
}
