// What every device source shares: its state (never a stale "connected"), counters, the silence alert, options.
import type { SpoolerBackend } from './spooler/types.js';
import type { Logger } from '../telemetry/log.js';
import { JobAssembler, escposDecoder, type DecoderFactory } from './assembler.js';
import type { Integration } from '../receipts/transaction.js';
import type { DeviceConfig } from './config.js';
import { localTzOffsetMinutes, silentSince } from './silence.js';
import { CaptureError, systemClock, type CaptureSink, type CaptureSource, type Clock, type DeviceState, type DeviceStatus, type TerminalEvent } from './types.js';

export interface SourceOptions {
  log: Logger;
  clock?: Clock;
  /** The streaming decoder; the real one (main/escpos) by default. */
  decoder?: DecoderFactory;
  /** Local time offset for business hours (default: this machine's). */
  tzOffsetMinutes?: number;
  /** Reconnection back-off (default 250 ms doubling to 30 s) and its jitter source. */
  backoff?: { initialMs?: number; maxMs?: number };
  random?: () => number;
  /** How often the silence alert is evaluated (default 30 s). */
  silenceCheckMs?: number;
  /** Auto-baud: how long to listen at each candidate rate (default 2 s). */
  autoBaudSampleMs?: number;
  /** Virtual printer: answer a status query ourselves when the printer has not within this (default 20 ms). */
  answerAfterMs?: number;
  /** Virtual printer in front of an OS queue: the spooler it passes jobs through (default: this platform's). */
  spooler?: SpoolerBackend;
}

export abstract class DeviceSource implements CaptureSource {
  protected readonly clock: Clock;
  protected readonly log: Logger;
  protected state: DeviceState;
  private silenceTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private lastDataMs = 0;
  private journaling = true;

  constructor(
    protected readonly device: DeviceConfig,
    protected readonly sink: CaptureSink,
    protected readonly opts: SourceOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log.child({ component: 'capture', device: device.id });
    this.state = {
      deviceId: device.id,
      kind: device.kind,
      status: 'stopped',
      detail: 'not started',
      bytes: 0,
      jobs: 0,
      unclaimedBytes: 0,
      lastDataAt: null,
      silentSince: null,
      error: null,
      journaling: true,
    };
  }

  get deviceId(): string {
    return this.device.id;
  }

  status(): DeviceState {
    return structuredClone(this.state);
  }

  async start(): Promise<void> {
    if (this.device.enabled === false) {
      this.setStatus('stopped', 'disabled in the config (enabled: false)');
      return;
    }
    this.startedAt = this.clock.now();
    this.setStatus('starting', 'opening');
    const every = this.opts.silenceCheckMs ?? 30_000;
    this.silenceTimer = setInterval(() => this.checkSilence(), every);
    this.silenceTimer.unref();
    try {
      await this.open();
    } catch (err) {
      // A device that fails to start is reported, never thrown at the others (they keep capturing).
      this.fail(err instanceof CaptureError ? err.code : 'start_failed', err as Error);
    }
  }

  async stop(): Promise<void> {
    if (this.silenceTimer) clearInterval(this.silenceTimer);
    this.silenceTimer = undefined;
    try {
      await this.close();
    } catch (err) {
      this.log.warn('device did not close cleanly', { error: err as Error });
    }
    this.setStatus('stopped', 'stopped');
  }

  /** Evaluates the silence alert now (the timer calls it; tests call it with a fake clock). */
  checkSilence(): void {
    if (this.state.status === 'stopped') return;
    const rule = 'silence_alert' in this.device ? this.device.silence_alert : false;
    const since = silentSince(rule, Math.max(this.lastDataMs, this.startedAt), this.clock.now(), this.opts.tzOffsetMinutes ?? localTzOffsetMinutes());
    if (since === this.state.silentSince) return;
    this.state.silentSince = since;
    if (since) this.log.warn('device silent during business hours', { since });
    this.emitState();
  }

  /**
   * Capture switched off (remote kill switch, an integration flag, the tray's pause) while the device
   * keeps running: a virtual printer still passes every job to the printer and answers status
   * queries, but nothing reaches the journal. A receipt that ends while off is not journaled and its
   * staged bytes are released; one that ends after it is turned back on is journaled whole.
   */
  setJournaling(on: boolean): void {
    if (on === this.journaling) return;
    this.journaling = on;
    this.state.journaling = on;
    this.log.warn(on ? 'capture on: journaling again' : 'capture off: passing through, not journaling');
    this.emitState();
  }

  /** The sink as receipt assembly sees it: jobs and staged chunks reach the engine only while journaling. */
  private readonly journalSink: CaptureSink = {
    chunk: (c) => {
      if (this.journaling) this.sink.chunk?.(c);
    },
    consumed: (stream, end) => this.sink.consumed?.(stream, end),
    job: (job) => {
      if (this.journaling) this.sink.job(job);
      else if (job.consumes) this.sink.consumed?.(job.consumes.stream, job.consumes.end);
    },
    terminalEvent: (event) => {
      if (this.journaling) this.sink.terminalEvent(event);
    },
    deviceState: (state) => this.sink.deviceState(state),
  };

  /** A payment terminal's event, delivered while journaling. */
  protected terminal(event: TerminalEvent): void {
    this.journalSink.terminalEvent(event);
  }

  /** The job assembler for one byte stream of this device (the device itself, or one lane of a virtual printer from `address`). */
  protected receiptAssembler(streamId: string, integration: Integration, settings: { codepage: string; idle_ms: number }, address?: string): JobAssembler {
    return new JobAssembler({
      deviceId: streamId,
      integration,
      codepage: settings.codepage,
      idleMs: settings.idle_ms,
      address,
      sink: this.journalSink,
      decoder: this.opts.decoder ?? escposDecoder,
      clock: this.clock,
      log: this.log,
      onJob: () => this.noteJob(),
      onUnclaimed: (n) => this.noteUnclaimed(n),
    });
  }

  protected abstract open(): Promise<void>;
  protected abstract close(): Promise<void>;

  protected noteData(bytes: number): void {
    const now = this.clock.now();
    this.lastDataMs = now;
    this.state.bytes += bytes;
    this.state.lastDataAt = new Date(now).toISOString();
    if (this.state.silentSince) {
      this.state.silentSince = null;
      this.emitState();
    }
  }

  protected noteJob(): void {
    this.state.jobs++;
  }

  protected noteUnclaimed(bytes: number): void {
    this.state.unclaimedBytes += bytes;
  }

  protected setStatus(status: DeviceStatus, detail: string, extra: Partial<DeviceState> = {}): void {
    Object.assign(this.state, extra, { status, detail });
    if (status === 'connected' || status === 'listening' || status === 'stopped') this.state.error = null;
    this.log.info('device state', { status, detail });
    this.emitState();
  }

  protected fail(code: string, err: Error): void {
    this.state.error = { code, message: err.message };
    this.state.status = 'error';
    this.state.detail = err.message;
    this.log.error('device error', { code, error: err });
    this.emitState();
  }

  protected emitState(): void {
    try {
      this.sink.deviceState(this.status());
    } catch (err) {
      this.log.error('the capture sink refused a device state', { error: err as Error });
    }
  }
}
