// Print queues the bridge stands in front of, across restarts: settled and re-taken at engine start, given back by the watchdog when the engine is down too long.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DeviceConfig } from '../capture/config.js';
import { giveBack, readTakeovers, release, retake, settleInterrupted, SpoolerError, type SpoolerBackend, type TakeoverEntry } from '../capture/spooler/index.js';
import type { Logger } from '../telemetry/log.js';
import { processAlive } from './lock.js';

export interface TakeoverAlert {
  code: 'spooler_given_back' | 'spooler_takeover_failed';
  severity: 'warning' | 'error';
  message: string;
  raisedAt: string;
}

/** The engine's status file is rewritten every 2 s; older than this and the engine is hung, not running. */
export const STALE_STATUS_MS = 30_000;

export interface Liveness {
  up: boolean;
  /** The engine's last sign of life (its status file's time), null when it never wrote one. */
  lastSeen: Date | null;
  pid: number | null;
}

/** Whether the engine of a data dir runs: its lock names a live process on this machine and its status file is fresh. */
export function engineLiveness(dataDir: string, now: Date = new Date()): Liveness {
  let pid: number | null = null;
  let host: string | null = null;
  try {
    const owner = JSON.parse(readFileSync(join(dataDir, 'bridge.lock'), 'utf8')) as { pid?: number; host?: string; command?: string };
    // Only the engine's lock counts (`run`); other commands take it briefly or not at all.
    if (typeof owner.pid === 'number') [pid, host] = [owner.pid, owner.host ?? null];
  } catch {
    // no lock: no engine
  }
  let lastSeen: Date | null = null;
  try {
    const status = JSON.parse(readFileSync(join(dataDir, 'status.json'), 'utf8')) as { updatedAt?: string };
    if (status.updatedAt && !Number.isNaN(Date.parse(status.updatedAt))) lastSeen = new Date(status.updatedAt);
  } catch {
    // never ran, or the file is being replaced
  }
  const alive = pid !== null && (host === null || host === hostname()) && processAlive(pid);
  const fresh = lastSeen !== null && now.getTime() - lastSeen.getTime() < STALE_STATUS_MS;
  return { up: alive && fresh, lastSeen, pid: alive ? pid : null };
}

const spoolerDevice = (devices: readonly DeviceConfig[], id: string) => {
  const d = devices.find((x) => x.id === id);
  return d && d.kind === 'virtual_printer' && d.printer && 'spooler' in d.printer ? d : null;
};

/**
 * What a merchant is told about a queue the watchdog gave back: while it still prints straight to its printer
 * (`retakenAt` null: `status` with the bridge down), or once the bridge took it over again.
 */
export function givenBackMessage(entry: TakeoverEntry, retakenAt: Date | null): string {
  const at = entry.givenBack?.at ?? 'an unknown time';
  const why = `the bridge was down or not listening${entry.givenBack?.downSince ? ` (since ${entry.givenBack.downSince})` : ''} longer than ${entry.giveBackAfterS} s`;
  return retakenAt
    ? `The print queue ${entry.queue} printed straight to its printer from ${at} until ${retakenAt.toISOString()}, when the bridge took it over again, because ${why}. Receipts printed then were NOT captured: enter them in TaxPoynt by hand.`
    : `The print queue ${entry.queue} prints straight to its printer since ${at}, because ${why}. Receipts printed since are NOT captured.`;
}

/**
 * At engine start, before capture: finishes interrupted take-overs and releases, gives back a queue whose
 * device left the config (a crash between take-over and config write), takes over again each queue the
 * watchdog gave back, and returns the alerts saying what was not captured meanwhile.
 */
export async function resumeTakeovers(options: { dataDir: string; devices: readonly DeviceConfig[]; backend: SpoolerBackend; log: Logger; now?: () => Date; handedOver?: Map<string, TakeoverAlert> }): Promise<TakeoverAlert[]> {
  const { dataDir, backend, log } = options;
  const now = options.now ?? (() => new Date());
  if (readTakeovers(dataDir).length === 0) return [];
  const alerts: TakeoverAlert[] = [];
  const failed = new Set<string>();
  const fail = (entry: TakeoverEntry | null, err: unknown) => {
    log.error('print queue take-over could not be settled', { queue: entry?.queue, device: entry?.id, error: err });
    alerts.push({
      code: 'spooler_takeover_failed',
      severity: 'error',
      message: `The print queue ${entry?.queue ?? ''} could not be set up at start: ${(err as Error).message}. Check the print server, then restart the bridge or run \`taxpoynt-bridge devices release ${entry?.id ?? 'ID'}\`.`,
      raisedAt: now().toISOString(),
    });
  };
  try {
    // The engine never asks for elevation (on Windows an unelevated engine gets needs_admin and the alert says what to run).
    const settled = await settleInterrupted(backend, dataDir, { prompt: false });
    if (settled.length) log.warn('print queue take-overs a crash interrupted were undone', { devices: settled });
  } catch (err) {
    // Each queue still half-way gets its own alert, naming it and the release to run.
    const stuck = readTakeovers(dataDir).filter((e) => e.phase === 'begun' || e.phase === 'releasing');
    for (const entry of stuck) failed.add(entry.id);
    if (stuck.length) for (const entry of stuck) fail(entry, err);
    else fail(null, err);
  }
  for (const entry of readTakeovers(dataDir)) {
    if (spoolerDevice(options.devices, entry.id) || failed.has(entry.id)) continue;
    try {
      await release(backend, dataDir, entry.id, { prompt: false });
      log.warn('print queue given back: its device is not in the config', { queue: entry.queue, device: entry.id });
    } catch (err) {
      fail(entry, err);
    }
  }
  return [...alerts, ...(await retakeGivenBack(options))];
}

/**
 * Takes over again each queue the watchdog gave back (the engine was down or hung past the grace), with
 * the alert naming the window whose receipts were not captured. Run at start and every half minute.
 */
export async function retakeGivenBack(options: {
  dataDir: string;
  devices: readonly DeviceConfig[];
  backend: SpoolerBackend;
  log: Logger;
  now?: () => Date;
  /** Whether the device's listener is up (a queue is never pointed at a port nobody listens on); default yes. */
  listening?: (id: string) => boolean;
  /**
   * Kept by the caller across calls: the alerts of queues the engine may not change itself (Windows without administrator
   * rights), left to the watchdog, which has them. When the watchdog has taken one over again, its alert is reworded to
   * name the whole window that was not captured.
   */
  handedOver?: Map<string, TakeoverAlert>;
}): Promise<TakeoverAlert[]> {
  const now = options.now ?? (() => new Date());
  const alerts: TakeoverAlert[] = [];
  for (const entry of readTakeovers(options.dataDir)) {
    const key = `${entry.id} ${entry.givenBack?.at ?? ''}`;
    const held = options.handedOver?.get(key);
    if (held && entry.phase === 'taken') {
      options.handedOver!.delete(key);
      held.message = givenBackMessage(entry, now());
      options.log.warn('print queue taken over again by the watchdog', { queue: entry.queue, device: entry.id, given_back_at: entry.givenBack?.at });
      continue;
    }
    if (entry.phase !== 'given_back' || !spoolerDevice(options.devices, entry.id) || options.listening?.(entry.id) === false) continue;
    try {
      await retake(options.backend, options.dataDir, entry.id);
      options.log.warn('print queue taken over again after the watchdog gave it back', { queue: entry.queue, device: entry.id, given_back_at: entry.givenBack?.at });
      alerts.push({ code: 'spooler_given_back', severity: 'error', message: givenBackMessage(entry, now()), raisedAt: now().toISOString() });
    } catch (err) {
      if (err instanceof SpoolerError && err.code === 'needs_admin' && options.handedOver) {
        // The engine never asks for elevation: the watchdog (SYSTEM on Windows) takes the queue back once the device listens.
        if (held) continue;
        const alert: TakeoverAlert = { code: 'spooler_given_back', severity: 'error', message: givenBackMessage(entry, null), raisedAt: now().toISOString() };
        options.handedOver.set(key, alert);
        alerts.push(alert);
        options.log.warn('print queue left to the watchdog to take over again: the engine may not change it', { queue: entry.queue, device: entry.id });
        continue;
      }
      options.log.error('print queue could not be taken over again', { queue: entry.queue, device: entry.id, error: err });
    }
  }
  return alerts;
}

/** The engine takes a given-back queue over again within 30 s of listening; a queue still given back after this is the watchdog's to take. */
export const WATCHDOG_RETAKE_AFTER_MS = 60_000;

export interface WatchdogOutcome {
  engine: Liveness;
  /** Queues given back in this step, each with the alert it raised. */
  givenBack: Array<{ entry: TakeoverEntry; message: string }>;
  /** Queues the watchdog took over again for an engine that may not change them itself (Windows, unelevated). */
  retaken: TakeoverEntry[];
}

/**
 * One look: when the engine has been down (no live lock holder, or a status file older than
 * STALE_STATUS_MS) for a device's `give_back_after_s`, its queue prints to the printer again.
 */
/** The engine's own word on its devices (status.json), by device id. */
function deviceStates(dataDir: string): Map<string, { status: string; detail: string }> {
  try {
    const status = JSON.parse(readFileSync(join(dataDir, 'status.json'), 'utf8')) as { devices?: Array<{ deviceId: string; status: string; detail: string }> };
    return new Map((status.devices ?? []).map((d) => [d.deviceId, d]));
  } catch {
    return new Map();
  }
}

export async function watchdogStep(options: {
  dataDir: string;
  devices: readonly DeviceConfig[];
  backend: SpoolerBackend;
  log: Logger;
  now?: Date;
  startedAt: Date;
  /** Kept by the caller across steps: since when each device has not been listening while the engine runs. */
  notListening?: Map<string, Date>;
  /** Kept by the caller across steps: since when each given-back queue's device has been listening in a running engine. */
  listeningSince?: Map<string, Date>;
}): Promise<WatchdogOutcome> {
  const now = options.now ?? new Date();
  const engine = engineLiveness(options.dataDir, now);
  const givenBack: WatchdogOutcome['givenBack'] = [];
  const retaken: TakeoverEntry[] = [];
  const states = engine.up ? deviceStates(options.dataDir) : new Map<string, { status: string; detail: string }>();
  const notListening = options.notListening ?? new Map<string, Date>();
  const listeningSince = options.listeningSince ?? new Map<string, Date>();
  for (const entry of readTakeovers(options.dataDir)) {
    if (entry.phase === 'given_back') {
      // The engine takes its queue back itself where it may; where it may not (Windows, unelevated) it has said so in its
      // alert, and the watchdog, which has the rights, does it once the device has listened for WATCHDOG_RETAKE_AFTER_MS.
      if (!engine.up || states.get(entry.id)?.status !== 'listening') {
        listeningSince.delete(entry.id);
        continue;
      }
      if (!listeningSince.has(entry.id)) listeningSince.set(entry.id, now);
      if (now.getTime() - listeningSince.get(entry.id)!.getTime() < WATCHDOG_RETAKE_AFTER_MS) continue;
      try {
        const done = await retake(options.backend, options.dataDir, entry.id);
        listeningSince.delete(entry.id);
        if (done) {
          options.log.warn('print queue taken over again by the watchdog: the engine listens but did not take it back', { queue: entry.queue, device: entry.id });
          retaken.push(done);
        }
      } catch (err) {
        options.log.error('the watchdog could not take the print queue over again', { queue: entry.queue, device: entry.id, error: err });
      }
      continue;
    }
    if (entry.phase !== 'taken') continue;
    const device = spoolerDevice(options.devices, entry.id);
    const graceS = device && device.printer && 'spooler' in device.printer ? device.printer.give_back_after_s : entry.giveBackAfterS;
    // Down since the engine's last sign of life (a bridge that never ran since the watchdog started counts from then);
    // or, with the engine up, since its device was first seen not listening (its port taken by another program…).
    const state = states.get(entry.id);
    let downSince: Date | null = null;
    if (!engine.up) downSince = engine.lastSeen ?? options.startedAt;
    else if (state && state.status !== 'listening' && state.status !== 'starting') {
      if (!notListening.has(entry.id)) notListening.set(entry.id, now);
      downSince = notListening.get(entry.id)!;
    } else notListening.delete(entry.id);
    if (!downSince || now.getTime() - downSince.getTime() < graceS * 1000) continue;
    try {
      const done = await giveBack(options.backend, options.dataDir, entry.id, downSince, now);
      if (!done) continue;
      notListening.delete(entry.id);
      const why = engine.up ? `the bridge runs but its device ${entry.id} has not been listening since ${downSince.toISOString()} (${state?.detail ?? 'no detail'})` : `the bridge has been down since ${downSince.toISOString()}`;
      const message =
        `${why[0]!.toUpperCase()}${why.slice(1)} (over ${graceS} s): the print queue ${entry.queue} prints straight to its printer again. ` +
        'Receipts printed from now until the bridge is back are NOT captured; the bridge takes the queue over again once it listens.';
      options.log.error('print queue given back to its printer: the bridge is down', { queue: entry.queue, device: entry.id, down_since: downSince.toISOString(), grace_s: graceS });
      givenBack.push({ entry: done, message });
    } catch (err) {
      options.log.error('the watchdog could not give the print queue back', { queue: entry.queue, device: entry.id, error: err });
    }
  }
  return { engine, givenBack, retaken };
}
