// When to cut a batch: by count, by bytes (the queue's claim enforces it) and by the age of the oldest waiting transaction.

export interface BatchLimits {
  max_items: number;
  max_bytes: number;
  max_wait_ms: number;
}

export interface BatchDecision {
  send: boolean;
  /** When not sending: how long until the age limit says send (Infinity when nothing waits). */
  waitMs: number;
}

/** `pendingSince`: when the oldest waiting transaction was first seen (ms), or null when none waits. */
export function batchDecision(now: number, pending: number, pendingSince: number | null, limits: BatchLimits): BatchDecision {
  if (pending <= 0) return { send: false, waitMs: Infinity };
  if (pending >= limits.max_items) return { send: true, waitMs: 0 };
  const age = pendingSince === null ? 0 : now - pendingSince;
  if (age >= limits.max_wait_ms) return { send: true, waitMs: 0 };
  return { send: false, waitMs: limits.max_wait_ms - age };
}
