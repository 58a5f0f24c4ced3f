// Heartbeat (cloud-api.md §4): every minute, the bridge's health in the contract's shape; figures from the engine, outbox and API from here.
import { platform, release } from 'node:os';
import type { ForwardQueue } from '../store/types.js';
import type { Logger } from '../telemetry/log.js';
import type { Clock, Timer } from './clock.js';
import type { CloudClient } from './client.js';
import { Heartbeat } from './contract.js';
import type { CloudSession } from './session.js';

/** What the engine supplies: devices, last hour's counts, the updater's state. */
export type HeartbeatFigures = Pick<Heartbeat, 'devices' | 'last_hour' | 'update'>;

/** Latencies and errors of batch requests since the last heartbeat. */
export class ApiWindow {
  private latencies: number[] = [];
  private errors = 0;

  record(latencyMs: number, ok: boolean): void {
    if (this.latencies.length < 10_000) this.latencies.push(latencyMs);
    if (!ok) this.errors++;
  }

  take(): Heartbeat['api'] {
    const sorted = this.latencies.sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    const out = { p50_ms: Math.round(at(0.5)), p95_ms: Math.round(at(0.95)), errors: this.errors };
    this.latencies = [];
    this.errors = 0;
    return out;
  }
}

export interface HeartbeatSenderOptions {
  client: CloudClient;
  session: CloudSession;
  clock: Clock;
  log: Logger;
  everyMs: number;
  agentVersion: string;
  queue: ForwardQueue;
  api: ApiWindow;
  figures(): HeartbeatFigures;
  /** The cloud took a heartbeat (the update loop's health signal). */
  onAccepted?: () => void;
}

export class HeartbeatSender {
  private timer: Timer | null = null;
  private running = false;
  private readonly startedAt: number;

  constructor(private readonly options: HeartbeatSenderOptions) {
    this.startedAt = options.clock.now();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = this.options.clock.setTimer(() => this.tick(), this.options.everyMs);
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
  }

  build(): Heartbeat {
    const { session, queue, clock, agentVersion } = this.options;
    const counts = queue.counts();
    const figures = this.options.figures();
    return Heartbeat.parse({
      agent_id: session.agent?.agent_id ?? 'unpaired',
      version: agentVersion,
      os: `${platform()} ${release()}`,
      uptime_s: Math.round((clock.now() - this.startedAt) / 1000),
      devices: figures.devices,
      outbox: { pending: counts.pending + counts.in_flight, review: counts.review, rejected: counts.rejected, oldest_pending_age_s: queue.oldestPendingAgeS() },
      last_hour: figures.last_hour,
      api: this.options.api.take(),
      update: figures.update,
    });
  }

  /** One heartbeat now; never throws (a heartbeat failing must not disturb forwarding). */
  async sendNow(): Promise<void> {
    const { client, session, log } = this.options;
    try {
      const token = await session.accessToken();
      const answer = await client.heartbeat(token, this.build());
      if (answer.status === 401) session.invalidateAccessToken(token);
      else if (answer.status === 204 || answer.status === 200) this.options.onAccepted?.();
      else if (answer.status !== 204 && answer.status !== 200) log.debug('heartbeat answered', { status: answer.status });
    } catch (err) {
      log.debug('heartbeat failed; the next one will try again', { error: err });
    }
  }

  private tick(): void {
    void this.sendNow().finally(() => {
      if (this.running) this.timer = this.options.clock.setTimer(() => this.tick(), this.options.everyMs);
    });
  }
}
