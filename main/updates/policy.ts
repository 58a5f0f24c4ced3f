// The update policy as pure functions: settings, check schedule, pin rules, install window, install decision, health.
import { isVersion, versionEq, versionGt, versionLt } from './versions.js';

export const CHANNELS = ['stable', 'beta', 'pilot'] as const;
export type Channel = (typeof CHANNELS)[number];

/** First check after a random delay up to this, so a fleet that boots together does not knock at once. */
export const FIRST_CHECK_MAX_DELAY_MS = 10 * 60_000;
export const CHECK_INTERVAL_MS = 4 * 60 * 60_000;
/** No install while the till is busy: a receipt captured this recently holds the install back. */
export const RECEIPT_QUIET_MS = 10 * 60_000;
/** A new version that has not become healthy this long after it started counts as one failed start. */
export const HEALTH_DEADLINE_MS = 10 * 60_000;
/** Failed starts of one version before it is reported to the cloud (heartbeat `update.last_error`). */
export const UNHEALTHY_LIMIT = 2;
export const DEFAULT_INSTALL_WINDOW = '02:00-05:00';

export interface UpdateSettings {
  channel: Channel;
  pinVersion?: string;
  /** Local time "HH:MM-HH:MM". */
  installWindow: string;
  /** Feed base; the channel's feed is `<baseUrl>/<channel>/`. */
  baseUrl?: string;
}

/** The `updates` section of the local config file (main/engine/config.ts). */
export interface LocalUpdateConfig {
  base_url?: string;
  channel: Channel;
  pin_version?: string;
  install_window: string;
}

/** The `update` block of the remote config (cloud-api.md §4). */
export interface RemoteUpdateConfig {
  channel?: Channel;
  pin_version?: string | null;
  install_window?: string;
}

/** Remote config wins field by field; the local config stands in until the first remote config arrives. */
export function resolveUpdateSettings(local: LocalUpdateConfig, remote?: RemoteUpdateConfig | null): UpdateSettings {
  const pin = remote ? (remote.pin_version ?? undefined) : local.pin_version;
  return {
    channel: remote?.channel ?? local.channel,
    pinVersion: pin || undefined,
    installWindow: remote?.install_window ?? local.install_window,
    baseUrl: local.base_url,
  };
}

export function feedUrlFor(baseUrl: string, channel: Channel): string {
  return `${baseUrl.replace(/\/+$/, '')}/${channel}/`;
}

export function firstCheckDelayMs(random: () => number): number {
  return Math.floor(Math.min(Math.max(random(), 0), 0.999999) * FIRST_CHECK_MAX_DELAY_MS);
}

export type CheckReason = 'up_to_date' | 'newer' | 'staged_out' | 'pinned' | 'downgrade_to_pin' | 'feed_error';

export interface CheckReport {
  current: string;
  channel: Channel;
  latest: string | null;
  available: boolean;
  reason: CheckReason;
  pin?: string;
  error?: { code: string; message: string };
}

/**
 * What the pin says about a version the feed offers. A pin is a ceiling that is never passed; a version
 * older than the running one is accepted only when it is exactly the pin (the fleet's rollback).
 */
export type PinVerdict = 'allowed' | 'pinned' | 'older';

export function pinVerdict(current: string, candidate: string, pin?: string): PinVerdict {
  if (pin && versionGt(candidate, pin)) return 'pinned';
  if (versionLt(candidate, current)) return pin && versionEq(candidate, pin) ? 'allowed' : 'older';
  return 'allowed';
}

/** electron-updater refuses older versions unless allowDowngrade; it is set only when the pin is below us. */
export function allowDowngradeFor(current: string, pin?: string): boolean {
  return pin !== undefined && versionLt(pin, current);
}

export class InvalidPinError extends Error {
  readonly code = 'update_pin_invalid';
  constructor(pin: string) {
    super(`The pinned update version "${pin}" is not a version number (expected e.g. "1.4.2"): fix update.pin_version in the remote or local config.`);
    this.name = 'InvalidPinError';
  }
}

export function checkPin(pin: string | undefined): void {
  if (pin !== undefined && !isVersion(pin)) throw new InvalidPinError(pin);
}

export interface InstallWindow {
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

export class InstallWindowError extends Error {
  readonly code = 'update_install_window_invalid';
  constructor(text: string) {
    super(`The install window "${text}" is not "HH:MM-HH:MM" in local time (e.g. "02:00-05:00"): fix update.install_window.`);
    this.name = 'InstallWindowError';
  }
}

export function parseInstallWindow(text: string): InstallWindow {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text);
  if (!match) throw new InstallWindowError(text);
  const [h1, m1, h2, m2] = match.slice(1).map(Number) as [number, number, number, number];
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 === 24 && m2 > 0)) throw new InstallWindowError(text);
  return { start: h1 * 60 + m1, end: h2 * 60 + m2 };
}

/** Local time; a window may wrap midnight ("22:00-02:00"); equal ends mean the whole day. */
export function inInstallWindow(now: Date, window: InstallWindow): boolean {
  const minute = now.getHours() * 60 + now.getMinutes();
  if (window.start === window.end) return true;
  if (window.start < window.end) return minute >= window.start && minute < window.end;
  return minute >= window.start || minute < window.end;
}

export interface InstallInputs {
  now: Date;
  installWindow: string;
  downloadedVersion: string | null;
  lastReceiptAt: number | null;
  batchInFlight: boolean;
  /** The merchant chose "Restart to update" in the tray. */
  merchantAsked: boolean;
}

export type InstallDecision =
  | { install: true; why: 'merchant_asked' | 'in_window' }
  | { install: false; why: 'nothing_downloaded' | 'outside_window' | 'receipt_recent' | 'batch_in_flight' };

export function installDecision(input: InstallInputs): InstallDecision {
  if (!input.downloadedVersion) return { install: false, why: 'nothing_downloaded' };
  if (input.merchantAsked) return { install: true, why: 'merchant_asked' };
  if (!inInstallWindow(input.now, parseInstallWindow(input.installWindow))) return { install: false, why: 'outside_window' };
  if (input.lastReceiptAt !== null && input.now.getTime() - input.lastReceiptAt < RECEIPT_QUIET_MS) {
    return { install: false, why: 'receipt_recent' };
  }
  if (input.batchInFlight) return { install: false, why: 'batch_in_flight' };
  return { install: true, why: 'in_window' };
}

/** Per version: how many times it started and how many of those starts never became healthy. */
export interface HealthRecord {
  version: string;
  starts: number;
  failures: number;
  healthy: boolean;
}

/** A start of `version`: a previous start of the same version that never became healthy is one failure. */
export function recordStart(previous: HealthRecord | null, version: string): HealthRecord {
  if (!previous || previous.version !== version) return { version, starts: 1, failures: 0, healthy: false };
  return {
    version,
    starts: previous.starts + 1,
    failures: previous.healthy ? previous.failures : previous.failures + 1,
    healthy: false,
  };
}

export function recordHealthy(record: HealthRecord): HealthRecord {
  return { ...record, healthy: true };
}

/** Failures including the running start once it has outlived the health deadline. */
export function healthFailures(record: HealthRecord, startedAt: number, now: number): number {
  const running = !record.healthy && now - startedAt >= HEALTH_DEADLINE_MS ? 1 : 0;
  return record.failures + running;
}

export function unhealthyMessage(record: HealthRecord, failures: number): string | null {
  if (failures < UNHEALTHY_LIMIT) return null;
  return `version ${record.version} failed to become healthy ${failures} times (engine not running or no heartbeat accepted): pin the fleet back with update.pin_version`;
}
