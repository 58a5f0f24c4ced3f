// OS print queues: list them, take one over (the bridge's virtual printer in front of it), give it back; the platform's spooler behind one interface.
import { createServer } from 'node:net';
import { CupsSpooler } from './cups.js';
import { readTakeovers, updateTakeover, writeTakeovers, type TakeoverEntry } from './state.js';
import { isReceiptPrinter, SpoolerError, type DirectRoute, type SpoolerBackend } from './types.js';
import { WindowsSpooler } from './windows.js';

export * from './types.js';
export * from './state.js';
export { CupsSpooler, cupsDirectRoute, cupsQueueNameProblem, parseLpoptions, parseLpstatDevices } from './cups.js';
export { WindowsSpooler, parseGetPrinter, powershellCommand, windowsQueueNameProblem, isAccessDenied, SCRIPTS as WINDOWS_SCRIPTS, ELEVATION_TIMEOUT_MS, type PowerShellCommand, type PowerShellRunner } from './windows.js';
export { checkElevatedOutcome, elevatedArguments, elevatedBootstrap, elevatedRequest, elevatedScript, parseElevationAnswer, parseIsElevated, psSingleQuoted, type QueueChange } from './elevated.js';

/** How long the bridge may be down before the watchdog gives a queue back to its printer (issue 17 §4). */
export const DEFAULT_GIVE_BACK_AFTER_S = 300;

/** The platform's spooler: the Windows spooler, else CUPS (the local server, or the one CUPS_SERVER names). */
export function platformSpooler(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): SpoolerBackend {
  return platform === 'win32' ? new WindowsSpooler() : new CupsSpooler({ env });
}

/** A queue as `devices` shows it. */
export interface SpoolerQueueView {
  name: string;
  driver: string | null;
  port: string;
  receiptPrinter: boolean;
  /** The bridge device in front of it, or null. */
  takenOverBy: string | null;
  /** One of the bridge's own hidden direct queues. */
  bridgeDirect: boolean;
}

export async function listQueues(backend: SpoolerBackend, dataDir: string): Promise<SpoolerQueueView[]> {
  const takeovers = readTakeovers(dataDir);
  const queues = await backend.list();
  return queues.map((q) => ({
    name: q.name,
    driver: q.driver,
    port: q.port,
    receiptPrinter: isReceiptPrinter(q),
    takenOverBy: takeovers.find((t) => t.queue === q.name)?.id ?? null,
    bridgeDirect: takeovers.some((t) => t.direct === q.name),
  }));
}

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A device id from a queue name: "EPSON TM-T20II Receipt" → "epson-tm-t20ii-receipt". */
export function deviceIdFor(queue: string): string {
  const id = queue
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 64);
  return id || 'spooler';
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface TakeoverOptions {
  backend: SpoolerBackend;
  dataDir: string;
  queue: string;
  id?: string;
  /** Ids already used by configured devices. */
  usedIds?: readonly string[];
  giveBackAfterS?: number;
  /** `queue`: always pass through the hidden direct queue, even where the original port could be written to directly. */
  via?: 'auto' | 'queue';
  now?: () => Date;
}

/** The `virtual_printer` entry for the config file: loopback listener, loopback-only allow list, the direct queue as its printer. */
export function takeoverDevice(entry: TakeoverEntry, route: DirectRoute | null): Record<string, unknown> {
  return {
    id: entry.id,
    kind: 'virtual_printer',
    listen: { tcp: `127.0.0.1:${entry.listen.port}` },
    allow: ['127.0.0.1', '::1'],
    printer: { spooler: entry.direct, ...(entry.giveBackAfterS !== DEFAULT_GIVE_BACK_AFTER_S ? { give_back_after_s: entry.giveBackAfterS } : {}), ...(route ? { direct: route } : {}) },
  };
}

/**
 * Puts the bridge in front of a queue: its original settings are saved and synced to disk first, then the
 * hidden direct queue is made on the original port and the queue pointed at 127.0.0.1:<free port>. A
 * failure half-way undoes what was done. The caller adds the returned device to the config.
 */
export async function takeover(options: TakeoverOptions): Promise<{ entry: TakeoverEntry; device: Record<string, unknown> }> {
  const { backend, dataDir, queue } = options;
  const problem = backend.queueNameProblem(queue);
  if (problem) throw new SpoolerError('invalid_queue', `queue: ${problem}`);
  const all = readTakeovers(dataDir);
  const held = all.find((t) => t.queue === queue);
  if (held) throw new SpoolerError('already_taken', `the queue "${queue}" is already taken over by the device "${held.id}" (release it with \`taxpoynt-bridge devices release ${held.id}\`)`);
  const info = await backend.get(queue);
  if (!info) {
    const names = (await backend.list().catch(() => [])).map((q) => q.name);
    throw new SpoolerError('queue_not_found', `there is no print queue "${queue}"${names.length ? `; the queues are: ${names.join(', ')}` : ''} (see \`taxpoynt-bridge devices\`)`);
  }
  if (backend.isBridgePort(info.port)) throw new SpoolerError('already_taken', `the queue "${queue}" already prints to 127.0.0.1 (${info.port}): another bridge or an earlier take-over stands in front of it`);
  if (all.some((t) => t.direct === queue)) throw new SpoolerError('invalid_queue', `"${queue}" is the bridge's own direct queue`);
  const id = options.id ?? deviceIdFor(queue);
  if (!DEVICE_ID.test(id)) throw new SpoolerError('invalid_id', 'id: a device id is 1–64 letters, digits, "_", "." or "-"');
  if (all.some((t) => t.id === id) || options.usedIds?.includes(id)) throw new SpoolerError('invalid_id', `id: a device "${id}" exists already; give another with --id`);
  const direct = backend.directQueueName(queue);
  if (backend.queueNameProblem(direct)) throw new SpoolerError('invalid_queue', `queue: "${queue}" is too long to name its direct queue`);
  if (await backend.get(direct)) throw new SpoolerError('already_taken', `the queue "${direct}" exists already: another bridge (another data dir) stands in front of "${queue}"; release it there first`);

  const port = await freeLoopbackPort();
  const now = (options.now ?? (() => new Date()))().toISOString();
  const entry: TakeoverEntry = {
    id,
    spooler: backend.kind,
    queue,
    original: { port: info.port, driver: info.driver, snapshot: info.snapshot },
    direct,
    listen: { host: '127.0.0.1', port },
    takenPort: backend.kind === 'cups' ? `socket://127.0.0.1:${port}` : `TaxPoynt_127.0.0.1_${port}`,
    phase: 'begun',
    giveBackAfterS: options.giveBackAfterS ?? DEFAULT_GIVE_BACK_AFTER_S,
    at: now,
    givenBack: null,
  };
  // Saved before anything changes: a crash from here on is undone by the next start or `devices release`.
  writeTakeovers(dataDir, [...all, entry]);
  try {
    // One privileged step (on Windows one UAC prompt for both changes).
    entry.takenPort = await backend.privileged(`the queue "${queue}" still prints to ${info.port} and no direct queue was made`, async () => {
      await backend.createDirect(direct, info);
      return backend.pointAtBridge(queue, port);
    });
  } catch (err) {
    // Refused elevation changed nothing: nothing to undo, and no second prompt.
    const untouched = err instanceof SpoolerError && err.code === 'elevation_refused';
    const undone = untouched || (await undo(backend, entry).then(() => true, () => false));
    // The saved settings go only once the queue is as it was: otherwise they are what `devices release` puts back.
    if (undone) writeTakeovers(dataDir, readTakeovers(dataDir).filter((t) => t.id !== id));
    if (undone || !(err instanceof Error)) throw err;
    throw new SpoolerError(
      err instanceof SpoolerError ? err.code : 'spooler_failed',
      `${err.message}. The take-over stopped half-way and could not be undone; its original settings are kept: \`taxpoynt-bridge devices release ${id}\` puts "${queue}" back on ${info.port}.`,
    );
  }
  entry.phase = 'taken';
  updateTakeover(dataDir, id, () => entry);
  const route = options.via === 'queue' ? null : backend.directRoute(info);
  return { entry, device: takeoverDevice(entry, route) };
}

/**
 * Puts the queue's original port back and removes what the take-over added; safe to repeat. `prompt: false` (the
 * engine at start) never asks for elevation: on Windows without it the changes fail with needs_admin instead.
 */
async function undo(backend: SpoolerBackend, entry: TakeoverEntry, prompt = true): Promise<void> {
  // The state file is ours, but it is read back from disk: it may only ever name the queue and its own direct queue.
  if (backend.queueNameProblem(entry.queue) || entry.direct !== backend.directQueueName(entry.queue)) {
    throw new SpoolerError('spooler_failed', `the take-over record of "${entry.id}" names queues the bridge would not have made ("${entry.queue}", "${entry.direct}"): put that queue back by hand`);
  }
  const changes = async () => {
    const current = await backend.get(entry.queue);
    if (current && current.port !== entry.original.port) await backend.setPort(entry.queue, entry.original.port);
    await backend.removeDirect(entry.direct, entry.queue);
    await backend.removeBridgePort(entry.takenPort);
  };
  if (!prompt) return changes();
  await backend.privileged(`the queue "${entry.queue}" was left as it is; its original port ${entry.original.port} is still saved for \`taxpoynt-bridge devices release ${entry.id}\``, changes);
}

/** Gives a queue back for good: original port, direct queue removed, entry dropped. The caller removes the device from the config. */
export async function release(backend: SpoolerBackend, dataDir: string, id: string, options: { prompt?: boolean } = {}): Promise<TakeoverEntry> {
  const entry = readTakeovers(dataDir).find((t) => t.id === id);
  if (!entry) throw new SpoolerError('not_taken', `no print queue is taken over by a device "${id}" (see \`taxpoynt-bridge devices\`)`);
  updateTakeover(dataDir, id, (e) => ({ ...e, phase: 'releasing' }));
  try {
    await undo(backend, entry, options.prompt ?? true);
  } catch (err) {
    // Refused elevation changed nothing: the take-over stands as it was (a `releasing` phase would have the next start retry it).
    if (err instanceof SpoolerError && err.code === 'elevation_refused') updateTakeover(dataDir, id, (e) => ({ ...e, phase: entry.phase }));
    throw err;
  }
  updateTakeover(dataDir, id, () => null);
  return entry;
}

/** The watchdog's step: the queue prints to its printer again (the direct queue stays, for the bridge's return). */
export async function giveBack(backend: SpoolerBackend, dataDir: string, id: string, downSince: Date | null, now: Date): Promise<TakeoverEntry | null> {
  const entry = readTakeovers(dataDir).find((t) => t.id === id);
  if (!entry || entry.phase !== 'taken') return null;
  await backend.setPort(entry.queue, entry.original.port);
  return updateTakeover(dataDir, id, (e) => ({ ...e, phase: 'given_back', givenBack: { at: now.toISOString(), downSince: downSince?.toISOString() ?? null } }));
}

/** The engine is healthy again: the queue prints to the bridge's listener once more. */
export async function retake(backend: SpoolerBackend, dataDir: string, id: string): Promise<TakeoverEntry | null> {
  const entry = readTakeovers(dataDir).find((t) => t.id === id);
  if (!entry || entry.phase !== 'given_back') return null;
  const takenPort = await backend.pointAtBridge(entry.queue, entry.listen.port);
  return updateTakeover(dataDir, id, (e) => ({ ...e, phase: 'taken', takenPort }));
}

/** Finishes what a crash interrupted: a half-done take-over is undone, a half-done release completed. Returns the ids dropped. */
export async function settleInterrupted(backend: SpoolerBackend, dataDir: string, options: { prompt?: boolean } = {}): Promise<string[]> {
  const dropped: string[] = [];
  for (const entry of readTakeovers(dataDir)) {
    if (entry.phase !== 'begun' && entry.phase !== 'releasing') continue;
    await undo(backend, entry, options.prompt ?? true);
    updateTakeover(dataDir, entry.id, () => null);
    dropped.push(entry.id);
  }
  return dropped;
}
