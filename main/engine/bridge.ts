// The composition root: capture → journal → escpos → receipts → outbox → cloud, as one Bridge the CLI, the app and tests drive.
import { EventEmitter } from 'node:events';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { platform, release } from 'node:os';
import { Capture, type CapturePlan, type CapturedJob, type DeviceState, type TerminalEvent } from '../capture/index.js';
import type { DeviceConfig } from '../capture/config.js';
import { Forwarder, REMOTE_CONFIG_POLL_MS, fileMemory, learnedLimitsFile, timeoutsOf, type ForwarderAlert, type ForwarderStatus, type RemoteConfig } from '../cloud/index.js';
import type { Integration } from '../receipts/transaction.js';
import { ENGINE_CACHE_KIB, ENGINE_CHECKPOINT_MS, openStore, type Store, type StoreAlert, type ForwardQueue, type OutboxState, type Problem } from '../store/index.js';
import { Logger, logFile, type LogSink } from '../telemetry/log.js';
import { KeychainVault, type Vault } from '../vault/index.js';
import { HeadlessUpdater, UpdateClient, UpdateService, resolveUpdateSettings, statusFile as updateStatusFile, type CheckReport, type InstallDecision, type UpdateStatus } from '../updates/index.js';
import { loadConfig, type Config } from './config.js';
import { CaptureQueue } from './capture-queue.js';
import { acquireDataDirLock, type DataDirLock } from './lock.js';
import { HourCounts } from './hour-counts.js';
import { ingestJob, recoverStaged, resumeJournal } from './pipeline.js';
import { PictureReader } from './reading.js';
import { OcrPool } from '../ocr/index.js';
import { PaymentMatcher, kobo, type PaymentJoin } from './payments.js';
import { platformSpooler, type SpoolerBackend } from '../capture/spooler/index.js';
import { resumeTakeovers, retakeGivenBack, type TakeoverAlert } from './takeovers.js';

export interface BridgeOptions {
  dataDir: string;
  configFile: string;
  env?: NodeJS.ProcessEnv;
  version: string;
  /** Also write log lines here (the CLI's stderr with --verbose, tests). */
  echo?: LogSink;
  vault?: Vault;
  /** Forwarder timings, for tests and the demo (production uses the defaults). */
  forwarder?: { idlePollMs?: number; pairingRecheckMs?: number; remoteConfigPollMs?: number; heartbeatMs?: number };
  statusFileMs?: number;
  /** How often queues the watchdog gave back are taken over again while the engine runs (default 30 s). */
  takeoverCheckMs?: number;
  /** The OS print spooler behind taken-over queues (default: this platform's; CUPS_SERVER from `env`). */
  spooler?: SpoolerBackend;
  /** The update loop (default on); the desktop shell passes its own updater client. */
  updates?: false | { client?: UpdateClient; onDownloaded?: (version: string) => void; /** Hands over to the installer (tests stand one in). */ install?: () => void };
}

export interface ReceiptEvent {
  id: string;
  deviceId: string;
  state: OutboxState;
  duplicate?: boolean;
  irn?: string;
  problems?: Problem[];
  at: string;
}

/** A pairing made while the engine runs was picked up: `pending` receipts that waited go now. */
export interface PairedEvent {
  business: string;
  wasLost: boolean;
  pending: number;
}

export interface BridgeStatus {
  pid: number;
  version: string;
  startedAt: string;
  updatedAt: string;
  capturePaused: boolean;
  devices: DeviceState[];
  outbox: { counts: Record<OutboxState, number>; oldestPendingAgeS: number | null; buffered: number };
  cloud: Omit<ForwarderStatus, 'alerts'> & { alerts: ForwarderStatus['alerts'] };
  alerts: Array<StoreAlert | TakeoverAlert>;
  lastHour: { captured: number; accepted: number; rejected: number };
  update: UpdateStatus | null;
}

const INTEGRATION_OF: Record<DeviceConfig['kind'], Integration> = {
  serial_tap: 'escpos_serial',
  virtual_printer: 'escpos_tcp',
  hid: 'hid',
  ecr_serial: 'ecr_serial',
};

/** A virtual-printer lane reports `<device>#<lane>`: its settings are the device's. */
function baseDeviceId(deviceId: string): string {
  const hash = deviceId.indexOf('#');
  return hash === -1 ? deviceId : deviceId.slice(0, hash);
}

/** The outbox as the forwarder sees it, announcing each settled row to the bridge's listeners. */
class AnnouncingQueue implements ForwardQueue {
  constructor(
    private readonly store: Store,
    private readonly announce: (results: Parameters<ForwardQueue['settle']>[0]) => void,
  ) {}
  claim(maxItems: number, maxBytes: number) {
    return this.store.claim(maxItems, maxBytes);
  }
  release(ids: string[], error: string) {
    this.store.release(ids, error);
  }
  settle(results: Parameters<ForwardQueue['settle']>[0]) {
    this.store.settle(results);
    this.announce(results);
  }
  counts() {
    return this.store.counts();
  }
  oldestPendingAgeS() {
    return this.store.oldestPendingAgeS();
  }
}

export class Bridge extends EventEmitter {
  readonly log: Logger;
  private readonly startedAt = new Date();
  private capture!: Capture;
  private forwarder!: Forwarder;
  private lock!: DataDirLock;
  private readonly captureQueue: CaptureQueue;
  private timers: NodeJS.Timeout[] = [];
  private paused = false;
  private disabledIntegrations = new Set<Integration>();
  private readonly hour = new HourCounts();
  private stopped = false;
  private remote: RemoteConfig | null = null;
  private readonly payments = new PaymentMatcher();
  private lastReceiptAt: number | null = null;
  private updates: UpdateService | null = null;
  private captureChange: Promise<void> = Promise.resolve();
  /** The spooler taken-over queues pass through (and are re-taken with). */
  readonly spooler: SpoolerBackend;
  private takeoverAlerts: TakeoverAlert[] = [];
  /** Given-back queues this engine may not take over again itself (Windows, unelevated): the watchdog does, and their alerts are reworded then. */
  private readonly handedOver = new Map<string, TakeoverAlert>();
  private reader: PictureReader | null = null;

  private constructor(
    readonly options: BridgeOptions,
    readonly config: Config,
    readonly store: Store,
    log: Logger,
  ) {
    super();
    this.log = log;
    this.captureQueue = new CaptureQueue(store, (job) => this.ingest(job));
    this.spooler = options.spooler ?? platformSpooler(options.env ?? process.env);
  }

  /** Takes the data dir, opens the store (key from the keychain), resumes unparsed journal entries, starts capture and forwarding. */
  static async start(options: BridgeOptions): Promise<Bridge> {
    const env = options.env ?? process.env;
    const { config } = loadConfig(options.configFile, env);
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const lock = acquireDataDirLock(options.dataDir);
    const log = new Logger({ file: logFile(options.dataDir), level: config.log_level, echo: options.echo });
    let store: Store;
    try {
      store = await openStore({ dataDir: options.dataDir, vault: options.vault ?? new KeychainVault(), log, recoverInFlight: true, checkpointEveryMs: ENGINE_CHECKPOINT_MS, cacheKiB: ENGINE_CACHE_KIB });
    } catch (err) {
      lock.release();
      throw err;
    }
    const bridge = new Bridge(options, config, store, log.child({ component: 'engine' }));
    bridge.lock = lock;
    try {
      await bridge.boot(options.vault ?? new KeychainVault());
    } catch (err) {
      await bridge.stop().catch(() => undefined);
      throw err;
    }
    return bridge;
  }

  private async boot(vault: Vault): Promise<void> {
    try {
      const recovered = recoverStaged(this.store, (deviceId) => this.deviceSettings(deviceId), this.log);
      if (recovered.jobs) this.log.warn('journaled receipts the last run had read but not finished', { ...recovered });
    } catch (err) {
      // The staged bytes stay where they are and are tried again at the next start; capture must start now.
      this.log.error('could not journal the bytes the last run left staged', { error: err });
    }
    const resumed = resumeJournal(this.store);
    if (resumed) this.log.info('parsed jobs journaled before the last stop', { jobs: resumed });
    // Receipts printed as pictures are read by the OCR pool after they are journaled, never on the capture path.
    const workers = this.config.ocr.workers;
    this.reader = new PictureReader(this.store, new OcrPool({ workers }), this.log.child({ component: 'ocr' }), (o) => this.receiptReady(o.id, o.state), workers);
    const reading = this.reader.resume();
    if (reading) this.log.info('receipts printed as pictures still to read', { receipts: reading });
    for (const alert of this.store.alerts) this.emit('alert', alert);

    this.forwarder = new Forwarder({
      baseUrl: this.config.cloud.base_url,
      queue: new AnnouncingQueue(this.store, (results) => this.settled(results)),
      vault,
      log: this.log.child({ component: 'cloud' }),
      batch: this.config.batch,
      rate: this.config.rate,
      agentVersion: this.options.version,
      timeouts: timeoutsOf(this.config.cloud),
      memory: fileMemory(learnedLimitsFile(this.options.dataDir), this.log),
      onAlert: (alert) => this.cloudAlert(alert),
      onPaired: (agent, wasLost) => {
        const pending = this.store.counts().pending;
        this.emit('paired', { business: agent.business_name, wasLost, pending } satisfies PairedEvent);
      },
      idlePollMs: this.options.forwarder?.idlePollMs,
      pairingRecheckMs: this.options.forwarder?.pairingRecheckMs,
      remoteConfig: { pollMs: this.options.forwarder?.remoteConfigPollMs ?? REMOTE_CONFIG_POLL_MS, onChange: (rc) => this.applyRemoteConfig(rc) },
      heartbeat: { everyMs: this.options.forwarder?.heartbeatMs ?? 60_000, figures: () => this.heartbeatFigures(), onAccepted: () => this.markHealthy() },
    });

    this.capture = this.newCapture();
    if (this.options.updates !== false) {
      this.updates = new UpdateService({
        client: this.options.updates?.client ?? new UpdateClient(new HeadlessUpdater({ version: this.options.version, dataDir: this.options.dataDir })),
        settings: () => resolveUpdateSettings(this.config.updates, this.remote?.update),
        activity: () => ({ lastReceiptAt: this.lastReceiptAt, batchInFlight: this.store.counts().in_flight > 0 }),
        statusFile: updateStatusFile(this.options.dataDir),
        onDownloaded: this.options.updates?.onDownloaded,
        install: this.options.updates?.install,
        logger: this.log.child({ component: 'updates' }),
      });
      this.updates.start();
    }
    this.forwarder.start();
    // The pairing is read before start resolves: `run` and the app must not say "not paired" while the keychain is still answering.
    await this.forwarder.reloadPairing();
    // Queues the watchdog gave back while the engine was down print to the bridge again; the alert says what was missed.
    this.takeoverAlerts = await resumeTakeovers({ dataDir: this.options.dataDir, devices: this.config.devices, backend: this.spooler, log: this.log.child({ component: 'spooler' }), handedOver: this.handedOver });
    for (const alert of this.takeoverAlerts) this.emit('alert', alert);
    await this.restartCapture();
    const pending = this.store.counts().pending;
    if (pending > 0) this.forwarder.nudge(pending);

    const every = (ms: number, fn: () => void) => {
      const t = setInterval(() => {
        try {
          fn();
        } catch (err) {
          this.log.error('periodic task failed', { error: err });
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.statusFileMs ?? 2000, () => this.writeStatusFile());
    every(5000, () => {
      if (this.store.buffered > 0 && this.store.flushBuffer() > 0) this.nudgeForwarder();
    });
    every(6 * 3600_000, () => this.store.purge(this.config.retention_days));
    // A hang past the watchdog's grace gives a queue back while this engine still runs: take it again once healthy.
    every(this.options.takeoverCheckMs ?? 30_000, () => void this.retakeQueues());
    this.store.purge(this.config.retention_days);
    this.writeStatusFile();
    this.log.info('bridge started', { devices: this.capturePlan().map((p) => p.device.id), cloud: this.config.cloud.base_url, version: this.options.version });
  }

  private retaking = false;
  private async retakeQueues(): Promise<void> {
    if (this.retaking || this.stopped) return;
    this.retaking = true;
    try {
      const listening = new Set(this.capture.status().filter((d) => d.status === 'listening').map((d) => d.deviceId));
      const alerts = await retakeGivenBack({ dataDir: this.options.dataDir, devices: this.config.devices, backend: this.spooler, log: this.log.child({ component: 'spooler' }), listening: (id) => listening.has(id), handedOver: this.handedOver });
      this.takeoverAlerts.push(...alerts);
      for (const alert of alerts) this.emit('alert', alert);
    } finally {
      this.retaking = false;
    }
  }

  /** The configured device behind a device or lane id, and its decoding settings where it has them. */
  private deviceSettings(deviceId: string): { codepage?: string; profile?: string; terminalId: string } {
    const device = this.config.devices.find((d) => d.id === baseDeviceId(deviceId));
    const settings = device && 'codepage' in device ? device : undefined;
    return { codepage: settings?.codepage, profile: settings?.profile, terminalId: device?.terminal_id ?? baseDeviceId(deviceId) };
  }

  private ingest(job: CapturedJob): void {
    const { codepage, profile, terminalId } = this.deviceSettings(job.deviceId);
    try {
      const outcome = ingestJob(this.store, {
        deviceId: job.deviceId,
        integration: job.integration,
        bytes: job.bytes,
        capturedAt: job.capturedAt,
        // The page the live decoder was in at the job's start (set by an earlier receipt's ESC t), else the device's.
        codepage: job.codepage ?? codepage,
        profile,
        terminalId,
        ...(job.address ? { address: job.address } : {}),
        consumes: job.consumes,
      });
      this.lastReceiptAt = Date.now();
      // A job is one receipt as capture cuts them; a decoder that could not cut it makes several rows.
      for (const receipt of outcome.receipts) {
        this.hour.add('captured');
        this.receiptReady(receipt.id, receipt.state, { deviceId: job.deviceId, duplicate: receipt.duplicate, capturedAt: job.capturedAt });
      }
    } catch (err) {
      // The store holds jobs in memory when the disk is full; anything else is logged loudly and the job kept queued.
      this.log.error('a captured job could not be stored', { device: job.deviceId, bytes: job.bytes.byteLength, error: err });
      this.emit('alert', { code: 'store_failed', severity: 'error', message: `A receipt from ${job.deviceId} could not be stored: ${(err as Error).message}`, raisedAt: new Date().toISOString() });
    }
  }

  /** Queues a `reading` receipt (reprocessed from the app) for the OCR pool. */
  readLater(id: string): void {
    this.reader?.add(id);
  }

  /** A receipt has its state (just captured, or its picture read, when it moves on from `reading` the same way): said to `run` and the app, sent when pending, read when a picture, joined to its payment. */
  private receiptReady(id: string, state: OutboxState, job: { deviceId?: string; duplicate?: boolean; capturedAt?: string } = {}): void {
    const row = this.store.get(id);
    const { deviceId = row?.deviceId ?? '', duplicate = false } = job;
    this.emit('receipt', { id, deviceId, state, duplicate, problems: row?.problems, at: new Date().toISOString() } satisfies ReceiptEvent);
    if (duplicate) return;
    if (state === 'pending') this.nudgeForwarder();
    if (state === 'reading') this.reader?.add(id);
    if (row?.transaction) {
      const join = this.payments.receipt({ id, deviceId, totalKobo: kobo(row.transaction.totals.total), capturedAt: job.capturedAt ?? row.transaction.source.captured_at });
      if (join) this.paymentJoined(join);
    }
  }

  /** A cloud alert (pairing lost, kill switch…) reaches `run`'s output and the app as it happens, not only the next status. */
  private cloudAlert(alert: ForwarderAlert): void {
    const severity = alert.code === 'rejected' || alert.code === 'forwarding_disabled' ? 'warning' : 'error';
    this.emit('alert', { code: alert.code, severity, message: alert.message, raisedAt: alert.at });
  }

  private nudgeForwarder(): void {
    if (!this.stopped) this.forwarder.nudge();
  }

  private terminalEvent(event: TerminalEvent): void {
    this.log.info('payment terminal message', { device: event.deviceId, amount_kobo: event.amountKobo, approved: event.approved, card_last4: event.cardLast4 });
    this.emit('terminal', event);
    const join = this.payments.payment(event);
    if (join) this.paymentJoined(join);
  }

  /** A terminal's payment matched a receipt by amount and time (issue 7 §4). */
  private paymentJoined(join: PaymentJoin): void {
    this.log.info('payment joined to its receipt', { receipt: join.receiptId, terminal: join.terminalDevice, amount_kobo: join.amountKobo, card_last4: join.cardLast4 });
    this.emit('payment', join);
  }

  private settled(results: Parameters<ForwardQueue['settle']>[0]): void {
    const at = new Date().toISOString();
    for (const r of results) {
      this.hour.add(r.status === 'rejected' ? 'rejected' : 'accepted');
      const row = this.store.get(r.id);
      this.emit('receipt', { id: r.id, deviceId: row?.deviceId ?? '', state: r.status, irn: r.irn, problems: r.errors, at } satisfies ReceiptEvent);
    }
  }

  /** Remote config (cloud-api.md §4): a flag set to false turns that part off at once, without a restart. */
  private applyRemoteConfig(rc: RemoteConfig): void {
    this.remote = rc;
    this.log.setLevel(rc.log_level);
    this.config.retention_days = rc.retention_days;
    const disabled = new Set<Integration>();
    for (const [integration, on] of Object.entries(rc.flags.integrations) as Array<[Integration, boolean]>) if (!on) disabled.add(integration);
    const paused = !rc.flags.capture_enabled;
    const changed = paused !== this.paused || [...disabled].join() !== [...this.disabledIntegrations].join();
    this.disabledIntegrations = disabled;
    if (changed) {
      this.paused = paused;
      void this.restartCapture();
      this.log.warn('remote config changed capture', { capture_enabled: !paused, disabled: [...disabled] });
    }
  }

  /**
   * The devices capture runs now: enabled ones, journaling unless paused or switched off by remote
   * config. A virtual printer switched off keeps running unjournaled: the till prints through it
   * (ARCHITECTURE rule 5), so a kill switch must never close its listener.
   */
  private capturePlan(): CapturePlan[] {
    return this.config.devices.flatMap((device) => {
      const journaling = !this.paused && !this.disabledIntegrations.has(INTEGRATION_OF[device.kind]);
      // An OS queue the bridge stands in front of prints only through it: disabled, it still passes jobs through, unjournaled.
      if (!device.enabled) return device.kind === 'virtual_printer' && device.printer && 'spooler' in device.printer ? [{ device: { ...device, enabled: true }, journaling: false }] : [];
      return journaling || device.kind === 'virtual_printer' ? [{ device, journaling }] : [];
    });
  }

  private newCapture(): Capture {
    return new Capture(
      [],
      { ...this.captureQueue.sink, terminalEvent: (e) => this.terminalEvent(e), deviceState: (s) => this.emit('device', s) },
      { log: this.log.child({ component: 'capture' }), spooler: this.spooler },
    );
  }

  /** Brings capture in line with the config and switches, one change at a time. */
  private restartCapture(): Promise<void> {
    this.captureChange = this.captureChange.then(() => (this.stopped ? undefined : this.capture.apply(this.capturePlan())));
    return this.captureChange;
  }

  /** Pause or resume capture locally (the tray's "Pause capture"). */
  async setPaused(paused: boolean): Promise<void> {
    this.paused = paused;
    await this.restartCapture();
  }

  private heartbeatFigures() {
    const states = this.capture.status();
    const failures: Record<string, number> = {};
    for (const d of states) {
      if (d.status === 'error' || d.status === 'disconnected') {
        const integration = INTEGRATION_OF[d.kind];
        failures[integration] = (failures[integration] ?? 0) + 1;
      }
    }
    return {
      devices: states.map((d) => ({ id: d.deviceId, kind: d.kind, state: d.status, last_seen: d.lastDataAt })),
      last_hour: { ...this.hour.lastHour(), failures_by_integration: failures },
      update: this.updates?.heartbeat() ?? { channel: this.config.updates.channel, state: 'idle', available_version: null, last_error: null },
    };
  }

  status(): BridgeStatus {
    return {
      pid: process.pid,
      version: this.options.version,
      startedAt: this.startedAt.toISOString(),
      updatedAt: new Date().toISOString(),
      capturePaused: this.paused,
      devices: this.capture.status(),
      outbox: { counts: this.store.counts(), oldestPendingAgeS: this.store.oldestPendingAgeS(), buffered: this.store.buffered },
      cloud: this.forwarder.status(),
      alerts: [...this.store.alerts, ...this.takeoverAlerts],
      lastHour: this.hour.lastHour(),
      update: this.updates?.status() ?? null,
    };
  }

  /** The heartbeat was accepted while the engine runs: the running version is healthy (update rollback guard). */
  markHealthy(): void {
    this.updates?.markHealthy();
  }

  /** The merchant chose "Restart to update". */
  requestInstall(): Promise<InstallDecision> | null {
    return this.updates ? this.updates.requestInstall() : null;
  }

  /** A check now, outside the schedule (Settings' "Check now"); a newer version is downloaded before it resolves. */
  checkUpdates(): Promise<CheckReport> | null {
    return this.updates ? this.updates.checkNow() : null;
  }

  /** Reads the pairing from the keychain again: after pairing or unpairing, forwarding follows at once. */
  reloadPairing(): Promise<void> {
    return this.forwarder.reloadPairing();
  }

  /** Sends what is pending now (the tray's "Sync now"). */
  syncNow(): Promise<void> {
    return this.forwarder.syncNow();
  }

  /** A snapshot for `taxpoynt-bridge status` in another process: counts and states, never receipt text or secrets. */
  private writeStatusFile(): void {
    const file = statusFile(this.options.dataDir);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.status(), null, 2), { mode: 0o600 });
    renameSync(tmp, file);
  }

  /** Stops capture first (flushing what devices hold), stores every queued job, then stops forwarding and closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.updates?.stop().catch((err: unknown) => this.log.error('updates did not stop cleanly', { error: err }));
    await this.captureChange.catch(() => undefined);
    await this.capture?.stop().catch((err) => this.log.error('capture did not stop cleanly', { error: err }));
    this.captureQueue.drain();
    await this.reader?.stop().catch((err) => this.log.error('the OCR engine did not stop cleanly', { error: err }));
    await this.forwarder?.stop().catch((err) => this.log.error('forwarding did not stop cleanly', { error: err }));
    try {
      this.writeStatusFile();
    } catch {
      // the status file is a convenience
    }
    this.store.close();
    await this.store.whenClosed();
    this.lock?.release();
    this.log.info('bridge stopped');
  }
}

export function statusFile(dataDir: string): string {
  return join(dataDir, 'status.json');
}

export function osDescription(): string {
  return `${platform()} ${release()}`;
}
