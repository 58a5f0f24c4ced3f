// Remote config (cloud-api.md §4): polled with If-None-Match, 304 keeps what we have, a new version is applied live.
import type { Logger } from '../telemetry/log.js';
import type { Clock, Timer } from './clock.js';
import type { CloudClient } from './client.js';
import { RemoteConfig } from './contract.js';
import type { CloudSession } from './session.js';

/**
 * How often remote config is asked for. The heartbeat's answer (204, no body: cloud-api.md §4) cannot say the config
 * changed, so the poll itself must be frequent for a kill switch to act within a minute; with If-None-Match an unchanged
 * config is a bodiless 304.
 */
export const REMOTE_CONFIG_POLL_MS = 30_000;

export interface RemoteConfigPollerOptions {
  client: CloudClient;
  session: CloudSession;
  clock: Clock;
  log: Logger;
  everyMs: number;
  apply(config: RemoteConfig): void;
}

export class RemoteConfigPoller {
  private etag: string | null = null;
  private current: RemoteConfig | null = null;
  private timer: Timer | null = null;
  private running = false;
  private stopped = false;
  private polling: Promise<void> | null = null;

  constructor(private readonly options: RemoteConfigPollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.timer = this.options.clock.setTimer(() => this.tick(), 0);
  }

  stop(): void {
    this.running = false;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  config(): RemoteConfig | null {
    return this.current;
  }

  /** One poll now; never throws (a config poll failing must not disturb forwarding). */
  pollNow(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private tick(): void {
    void this.pollNow().finally(() => {
      if (this.running) this.timer = this.options.clock.setTimer(() => this.tick(), this.options.everyMs);
    });
  }

  private async poll(): Promise<void> {
    const { client, session, log } = this.options;
    try {
      const token = await session.accessToken();
      const answer = await client.getConfig(token, this.etag);
      if (answer.status === 304) return;
      if (answer.status === 401) {
        session.invalidateAccessToken(token);
        return;
      }
      if (answer.status !== 200) {
        log.debug('remote config poll answered', { status: answer.status });
        return;
      }
      const parsed = RemoteConfig.safeParse(answer.body);
      if (!parsed.success) {
        log.warn('remote config ignored: it does not match the contract', { issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) });
        return;
      }
      // An answer that arrives after stop() is dropped: the engine may be closing its data dir.
      if (this.stopped) return;
      const etag = answer.headers['etag'];
      this.etag = (Array.isArray(etag) ? etag[0] : etag) ?? null;
      this.current = parsed.data;
      log.info('remote config applied', { version: parsed.data.version });
      this.options.apply(parsed.data);
    } catch (err) {
      log.debug('remote config poll failed; will try again', { error: err });
    }
  }
}
