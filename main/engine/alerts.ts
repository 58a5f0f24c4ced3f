// Which alerts become desktop notifications: one per problem until it clears, and never more than a few in a window.
export interface AlertPolicy {
  /** The same alert (code + subject) again within this time is not notified again, even after it cleared. */
  repeatAfterMs: number;
  /** At most this many notifications per window, however many problems arrive together. */
  maxPerWindow: number;
  windowMs: number;
  /** Info alerts never notify. */
  minSeverity: 'warning' | 'error';
  /**
   * Codes notified once per subject outside the window budget: a burst of device problems must not
   * swallow "version X is ready: restart to update" (once per version, so it cannot flood).
   */
  unbudgeted: readonly string[];
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = {
  repeatAfterMs: 30 * 60_000,
  maxPerWindow: 3,
  windowMs: 10 * 60_000,
  minSeverity: 'warning',
  unbudgeted: ['update_downloaded'],
};

export interface AlertKey {
  code: string;
  subject: string | null;
  severity: 'info' | 'warning' | 'error';
}

const keyOf = (a: { code: string; subject: string | null }) => `${a.code}\0${a.subject ?? ''}`;

/** Pure gate over an injected clock: `admit` says whether this raise notifies; `clear` lets a cured problem notify again later. */
export class AlertGate {
  private readonly active = new Set<string>();
  private readonly lastNotified = new Map<string, number>();
  private sent: number[] = [];

  constructor(
    private readonly now: () => number,
    private readonly policy: AlertPolicy = DEFAULT_ALERT_POLICY,
  ) {}

  /** True when the alert is new (not active already), serious enough, not notified recently and within the window budget. */
  admit(alert: AlertKey): boolean {
    const key = keyOf(alert);
    if (this.active.has(key)) return false;
    this.active.add(key);
    if (alert.severity === 'info' || (this.policy.minSeverity === 'error' && alert.severity !== 'error')) return false;
    const now = this.now();
    const last = this.lastNotified.get(key);
    if (last !== undefined && now - last < this.policy.repeatAfterMs) return false;
    if (this.policy.unbudgeted.includes(alert.code)) {
      this.lastNotified.set(key, now);
      return true;
    }
    this.sent = this.sent.filter((t) => now - t < this.policy.windowMs);
    if (this.sent.length >= this.policy.maxPerWindow) return false;
    this.sent.push(now);
    this.lastNotified.set(key, now);
    return true;
  }

  isActive(alert: { code: string; subject: string | null }): boolean {
    return this.active.has(keyOf(alert));
  }

  clear(alert: { code: string; subject: string | null }): void {
    this.active.delete(keyOf(alert));
  }

  /** Every active key not in `current` is cleared; returns those cleared. */
  reconcile(current: Array<{ code: string; subject: string | null }>): string[] {
    const keep = new Set(current.map(keyOf));
    const cleared: string[] = [];
    for (const key of this.active) {
      if (!keep.has(key)) {
        this.active.delete(key);
        cleared.push(key);
      }
    }
    return cleared;
  }
}
