// The take-over state file (<data dir>/takeovers.json): each queue's original settings, written and synced BEFORE the queue is changed.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * Where a take-over stands. `begun`: settings saved, the queue may be half-changed (undone at the next
 * start or by `devices release`); `taken`: the queue prints to the bridge; `given_back`: the watchdog
 * pointed the queue at the printer again while the bridge was down (the engine takes it over again at
 * start); `releasing`: a release was interrupted (finished at the next start).
 */
export const TakeoverPhase = z.enum(['begun', 'taken', 'given_back', 'releasing']);
export type TakeoverPhase = z.infer<typeof TakeoverPhase>;

export const TakeoverEntry = z.object({
  /** The bridge device standing in front of the queue. */
  id: z.string(),
  spooler: z.enum(['cups', 'windows']),
  /** The queue the POS prints to (its name never changes). */
  queue: z.string(),
  /** The queue's own settings before the take-over: what release and the watchdog put back, exactly. */
  original: z.object({
    /** CUPS device URI, or the Windows port name. */
    port: z.string(),
    driver: z.string().nullable(),
    /** Everything else the spooler said about the queue, for support (not changed by the take-over). */
    snapshot: z.record(z.string(), z.string()),
  }),
  /** The hidden queue on the original port that pass-through prints to. */
  direct: z.string(),
  /** The bridge's listener the queue points at while taken over. */
  listen: z.object({ host: z.literal('127.0.0.1'), port: z.number().int().min(1).max(65535) }),
  /** CUPS: socket://127.0.0.1:PORT; Windows: the TCP/IP port's name. */
  takenPort: z.string(),
  phase: TakeoverPhase,
  giveBackAfterS: z.number().int().positive(),
  at: z.string(),
  /** Set by the watchdog: when it gave the queue back and since when the bridge had been down. */
  givenBack: z.object({ at: z.string(), downSince: z.string().nullable() }).nullable().default(null),
});
export type TakeoverEntry = z.infer<typeof TakeoverEntry>;

const StateFile = z.object({ version: z.literal(1), takeovers: z.array(TakeoverEntry) });

export function takeoverFile(dataDir: string): string {
  return join(dataDir, 'takeovers.json');
}

export class TakeoverStateError extends Error {
  readonly code = 'takeover_state';
}

/** Every take-over recorded in the data dir ([] when there is no file). A damaged file is an error, never "nothing": it holds settings to restore. */
export function readTakeovers(dataDir: string): TakeoverEntry[] {
  let text: string;
  try {
    text = readFileSync(takeoverFile(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    return StateFile.parse(JSON.parse(text)).takeovers;
  } catch (err) {
    throw new TakeoverStateError(
      `${takeoverFile(dataDir)} is damaged (${(err as Error).message.split('\n')[0]}): it holds the print queues' original settings. Restore it from a backup, or put each queue back by hand (see the README, "USB printers behind the print queue").`,
    );
  }
}

/** Replaces the file atomically and syncs it to disk before returning: the next step may change the queue. */
export function writeTakeovers(dataDir: string, takeovers: TakeoverEntry[]): void {
  writeFileDurably(takeoverFile(dataDir), JSON.stringify({ version: 1, takeovers }, null, 2) + '\n', { mode: 0o600, dirMode: 0o700 });
}

/**
 * Replaces a file in one rename after syncing its content, then syncs its folder: once it returns, a crash or power cut
 * leaves the old file or the new one, never half of one (the take-over state; the watchdog's service files).
 */
export function writeFileDurably(file: string, content: string, options: { mode: number; dirMode?: number }): void {
  mkdirSync(dirname(file), { recursive: true, ...(options.dirMode === undefined ? {} : { mode: options.dirMode }) });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', options.mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dirFd = openSync(dirname(file), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    // Windows cannot open a folder to sync it; the rename is durable there once it returns.
  }
}

/** Reads, changes one entry (or removes it with null), writes. */
export function updateTakeover(dataDir: string, id: string, change: (entry: TakeoverEntry) => TakeoverEntry | null): TakeoverEntry | null {
  const all = readTakeovers(dataDir);
  const i = all.findIndex((t) => t.id === id);
  if (i === -1) return null;
  const next = change(all[i]!);
  if (next) all[i] = next;
  else all.splice(i, 1);
  writeTakeovers(dataDir, all);
  return next;
}
