// The update loop: checks on schedule, downloads in the background, installs only when the policy allows, tracks the new version's health.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../telemetry/log.js';
import {
  CHECK_INTERVAL_MS,
  feedUrlFor,
  firstCheckDelayMs,
  healthFailures,
  installDecision,
  pinVerdict,
  recordHealthy,
  recordStart,
  unhealthyMessage,
  type Channel,
  type CheckReport,
  type HealthRecord,
  type InstallDecision,
  type UpdateSettings,
} from './policy.js';
import { errorCode, type UpdateClient } from './updater.js';

export type UpdateState = 'idle' | 'checking' | 'downloading' | 'downloaded' | 'installing' | 'error' | 'unhealthy';

/** What `update status`, Settings and the tray show; persisted so a CLI in another process can read it. */
export interface UpdateStatus {
  current: string;
  channel: Channel;
  state: UpdateState;
  last_check_at: string | null;
  next_check_at: string | null;
  last_check: CheckReport | null;
  available_version: string | null;
  downloaded_version: string | null;
  last_error: string | null;
  health: HealthRecord | null;
}

/** The heartbeat's `update` block (cloud-api.md §4). */
export interface HeartbeatUpdate {
  channel: Channel;
  state: UpdateState;
  available_version: string | null;
  last_error: string | null;
}

export interface TillActivity {
  /** Epoch ms of the last captured receipt, or null. */
  lastReceiptAt: number | null;
  batchInFlight: boolean;
}

export interface UpdateServiceOptions {
  client: UpdateClient;
  /** Remote config's update block over the local config (resolveUpdateSettings), read at every step. */
  settings: () => UpdateSettings;
  activity: () => TillActivity;
  /** `<dataDir>/updates/status.json` (statusFile(dataDir)). */
  statusFile: string;
  /** Hands over to the installer; default: the updater's quitAndInstall (silent, run after). */
  install?: () => void;
  /** One call per downloaded version: the tray's "Restart to update to X" and its notification. */
  onDownloaded?: (version: string) => void;
  clock?: () => number;
  random?: () => number;
  logger?: Logger;
}

export function statusFile(dataDir: string): string {
  return join(dataDir, 'updates', 'status.json');
}

export function readStatus(file: string): UpdateStatus | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as UpdateStatus;
  } catch {
    return null;
  }
}

function keyOf(settings: UpdateSettings): string {
  return JSON.stringify([settings.baseUrl ?? null, settings.channel, settings.pinVersion ?? null]);
}

export class UpdateService {
  private readonly clock: () => number;
  private readonly random: () => number;
  private state: UpdateState = 'idle';
  private nextCheckAt: number | null = null;
  private lastCheckAt: number | null = null;
  private lastCheck: CheckReport | null = null;
  private availableVersion: string | null = null;
  private downloadedVersion: string | null = null;
  private lastError: string | null = null;
  private health: HealthRecord | null = null;
  private startedAt: number | null = null;
  private merchantAsked = false;
  private settingsKey: string | null = null;
  private notified: string | null = null;
  private busy: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: UpdateServiceOptions) {
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.health = readStatus(options.statusFile)?.health ?? null;
  }

  /** Records this start of the running version (health) and schedules the first check after a random delay. */
  begin(): void {
    const now = this.clock();
    this.health = recordStart(this.health, this.options.client.current);
    this.startedAt = now;
    this.nextCheckAt = now + firstCheckDelayMs(this.random);
    this.refreshHealthState();
    this.save();
  }

  /** begin() and a timer that calls tick(); the timer never holds the process open. */
  start(everyMs = 60_000): void {
    this.begin();
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A check or download in flight writes under the data dir: wait for it, but never hold a quit for long.
    if (!this.busy) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.busy, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
  }

  /** One step of the loop: a due check (and its background download), then the install decision. */
  tick(): Promise<void> {
    if (this.busy) return this.busy;
    // Never rejects: an update problem is reported (state, last_error), it never stops the bridge.
    this.busy = this.step()
      .catch((err: unknown) => {
        this.lastError = `update step failed: ${(err as Error)?.message ?? String(err)}`;
        this.options.logger?.warn('update step failed', { code: errorCode(err) });
        this.setState('error');
        this.save();
      })
      .finally(() => {
        this.busy = null;
      });
    return this.busy;
  }

  /** A check now, outside the schedule (the CLI, the tray's "Check for updates"). */
  async checkNow(): Promise<CheckReport> {
    const report = await this.check();
    if (report.available) await this.download();
    return report;
  }

  /** The merchant chose "Restart to update": install at once if a version is downloaded. */
  async requestInstall(): Promise<InstallDecision> {
    this.merchantAsked = true;
    return this.maybeInstall();
  }

  /** The engine runs and a heartbeat was accepted: the running version is healthy. */
  markHealthy(): void {
    if (!this.health || this.health.healthy) return;
    this.health = recordHealthy(this.health);
    if (this.state === 'unhealthy') this.state = 'idle';
    this.save();
  }

  heartbeat(): HeartbeatUpdate {
    this.refreshHealthState();
    return {
      channel: this.options.settings().channel,
      state: this.state,
      available_version: this.availableVersion,
      last_error: this.lastError,
    };
  }

  status(): UpdateStatus {
    return {
      current: this.options.client.current,
      channel: this.options.settings().channel,
      state: this.state,
      last_check_at: this.lastCheckAt === null ? null : new Date(this.lastCheckAt).toISOString(),
      next_check_at: this.nextCheckAt === null ? null : new Date(this.nextCheckAt).toISOString(),
      last_check: this.lastCheck,
      available_version: this.availableVersion,
      downloaded_version: this.downloadedVersion,
      last_error: this.lastError,
      health: this.health,
    };
  }

  private async step(): Promise<void> {
    this.refreshHealthState();
    const now = this.clock();
    if (this.nextCheckAt === null) this.nextCheckAt = now + firstCheckDelayMs(this.random);
    // A new channel or pin from the remote config is acted on soon (spread like the first check), not in 4 hours.
    const key = keyOf(this.options.settings());
    if (this.settingsKey !== null && key !== this.settingsKey) {
      this.nextCheckAt = Math.min(this.nextCheckAt, now + firstCheckDelayMs(this.random));
      this.settingsKey = key;
    }
    if (now >= this.nextCheckAt && this.state !== 'installing') {
      const report = await this.check();
      if (report.available && report.latest !== this.downloadedVersion) await this.download();
    }
    await this.maybeInstall();
  }

  private async check(): Promise<CheckReport> {
    const settings = this.options.settings();
    this.settingsKey = keyOf(settings);
    const now = this.clock();
    this.lastCheckAt = now;
    this.nextCheckAt = now + CHECK_INTERVAL_MS;
    if (!settings.baseUrl) {
      return this.recordCheck({
        current: this.options.client.current,
        channel: settings.channel,
        latest: null,
        available: false,
        reason: 'feed_error',
        error: { code: 'update_base_url_missing', message: 'No update feed is configured: set updates.base_url or TAXPOYNT_BRIDGE_UPDATE_URL.' },
      });
    }
    this.setState('checking');
    const report = await this.options.client.check({
      feedUrl: feedUrlFor(settings.baseUrl, settings.channel),
      channel: settings.channel,
      pinVersion: settings.pinVersion,
    });
    return this.recordCheck(report);
  }

  private recordCheck(report: CheckReport): CheckReport {
    this.lastCheck = report;
    this.availableVersion = report.available ? report.latest : null;
    if (report.reason === 'feed_error') {
      this.lastError = report.error?.message ?? 'update feed error';
      this.options.logger?.warn('update check failed', { code: report.error?.code });
      this.setState('error');
    } else {
      this.options.logger?.info('update check', { latest: report.latest, reason: report.reason });
      // A downloaded version the feed no longer offers (pin moved, release pulled) is not installed.
      if (this.downloadedVersion && this.downloadedVersion !== this.availableVersion) this.downloadedVersion = null;
      this.lastError = this.unhealthyError();
      this.setState(this.downloadedVersion ? 'downloaded' : 'idle');
    }
    this.refreshHealthState();
    this.save();
    return report;
  }

  private async download(): Promise<void> {
    const version = this.availableVersion;
    if (!version) return;
    this.setState('downloading');
    try {
      await this.options.client.download();
      this.downloadedVersion = version;
      this.lastError = this.unhealthyError();
      this.setState('downloaded');
      this.options.logger?.info('update downloaded', { version });
      if (this.notified !== version) {
        this.notified = version;
        this.options.onDownloaded?.(version);
      }
    } catch (err) {
      this.downloadedVersion = null;
      const message = String((err as Error)?.message ?? err).split('\n')[0]!;
      this.lastError = `download of ${version} refused (${errorCode(err)}): ${message}`;
      this.options.logger?.warn('update download failed', { version, code: errorCode(err) });
      this.setState('error');
    }
    this.save();
  }

  private async maybeInstall(): Promise<InstallDecision> {
    const settings = this.options.settings();
    // The pin may have moved since the download: a downloaded version the pin no longer allows is dropped.
    if (this.downloadedVersion && pinVerdict(this.options.client.current, this.downloadedVersion, settings.pinVersion) !== 'allowed') {
      this.options.logger?.info('downloaded update dropped: the pin no longer allows it', { version: this.downloadedVersion });
      this.downloadedVersion = null;
      if (this.state === 'downloaded') this.setState('idle');
      this.save();
    }
    const activity = this.options.activity();
    const decision = installDecision({
      now: new Date(this.clock()),
      installWindow: settings.installWindow,
      downloadedVersion: this.state === 'installing' ? null : this.downloadedVersion,
      lastReceiptAt: activity.lastReceiptAt,
      batchInFlight: activity.batchInFlight,
      merchantAsked: this.merchantAsked,
    });
    if (!decision.install) return decision;
    this.setState('installing');
    this.save();
    this.options.logger?.info('installing update', { version: this.downloadedVersion, why: decision.why });
    try {
      (this.options.install ?? (() => this.options.client.updater.quitAndInstall(true, true)))();
    } catch (err) {
      this.lastError = `install of ${this.downloadedVersion} failed: ${(err as Error).message}`;
      this.setState('error');
      this.save();
    }
    return decision;
  }

  private unhealthyError(): string | null {
    if (!this.health || this.startedAt === null) return null;
    return unhealthyMessage(this.health, healthFailures(this.health, this.startedAt, this.clock()));
  }

  private refreshHealthState(): void {
    const message = this.unhealthyError();
    if (message && !this.health?.healthy) {
      this.lastError = message;
      if (this.state === 'idle' || this.state === 'error') this.state = 'unhealthy';
    }
  }

  private setState(state: UpdateState): void {
    this.state = state;
  }

  private save(): void {
    const file = this.options.statusFile;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.status(), null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  }
}
