// Joins a payment terminal event to the receipt it paid for: same amount, closest in time inside a window.
import type { TerminalEvent } from './types.js';

export interface JoinCandidate {
  /** Receipt total in kobo, or null when the receipt could not be read. */
  totalKobo: number | null;
  capturedAt: string;
}

export interface JoinOptions {
  /** Largest gap between payment and receipt, either way (default 10 minutes). */
  windowMs?: number;
}

/**
 * The receipt this payment belongs to, or null. Only approved payments join. Among receipts with
 * exactly the event's amount inside the window, the closest in time wins; two equally close is
 * ambiguous and joins nothing (a wrong join is worse than none).
 */
export function joinTerminalEvent<R extends JoinCandidate>(receipts: readonly R[], event: TerminalEvent, options: JoinOptions = {}): R | null {
  if (!event.approved) return null;
  const window = options.windowMs ?? 10 * 60_000;
  const at = Date.parse(event.at);
  let best: R | null = null;
  let bestGap = Infinity;
  let tie = false;
  for (const r of receipts) {
    if (r.totalKobo !== event.amountKobo) continue;
    const gap = Math.abs(Date.parse(r.capturedAt) - at);
    if (!(gap <= window)) continue;
    if (gap < bestGap) {
      best = r;
      bestGap = gap;
      tie = false;
    } else if (gap === bestGap) tie = true;
  }
  return tie ? null : best;
}
