// Refused POS connections as the log sees them: a flood of connections cannot rotate the log away.
import type { Logger } from '../telemetry/log.js';

export type RefusalReason = 'lane_limit' | 'not_allowed';

/** Addresses tracked at once; refusals from any more are summed under "*". */
const MAX_TRACKED = 1024;

interface Window {
  lines: number;
  more: Record<RefusalReason, number>;
  timer: NodeJS.Timeout;
}

/**
 * Each refusal is logged with its address: the first `perWindow` from an address in a window one line
 * each, the rest summed in one line (address and count per reason) when the window ends or on stop.
 */
export class RefusalLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly log: Logger,
    private readonly perWindow = 10,
    private readonly windowMs = 60_000,
  ) {}

  note(address: string, reason: RefusalReason, message: string, fields: Record<string, unknown>): void {
    const key = this.windows.has(address) || this.windows.size < MAX_TRACKED ? address : '*';
    let w = this.windows.get(key);
    if (!w) {
      w = { lines: 0, more: { lane_limit: 0, not_allowed: 0 }, timer: setTimeout(() => this.close(key), this.windowMs) };
      w.timer.unref();
      this.windows.set(key, w);
    }
    if (w.lines < this.perWindow) {
      w.lines++;
      this.log.warn(message, { ...fields, address });
    } else w.more[reason]++;
  }

  /** Writes the summaries still open (the device stops). */
  flush(): void {
    for (const key of [...this.windows.keys()]) this.close(key);
  }

  private close(key: string): void {
    const w = this.windows.get(key);
    if (!w) return;
    clearTimeout(w.timer);
    this.windows.delete(key);
    const count = w.more.lane_limit + w.more.not_allowed;
    if (count > 0) {
      this.log.warn('more connections refused (not logged one by one)', { address: key, count, lane_limit: w.more.lane_limit, not_allowed: w.more.not_allowed, window_ms: this.windowMs });
    }
  }
}
