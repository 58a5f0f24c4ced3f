// The time the cloud client runs on: injected so back-off tests run in milliseconds and benches can scale time.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch, as this clock sees it. */
  now(): number;
  /** Calls fn after ms of this clock's time. */
  setTimer(fn: () => void, ms: number): Timer;
}

/** Randomness in [0, 1): injected for the same reason as the clock. */
export type Random = () => number;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * A clock that runs `scale` times faster than the wall clock (benches: a 60 s rate window passes in 6 s
 * when scale is 10). Every duration the client measures or waits on is in this clock's time.
 */
export function scaledClock(scale: number, origin = Date.now()): Clock {
  return {
    now: () => origin + (Date.now() - origin) * scale,
    setTimer(fn, ms) {
      const handle = setTimeout(fn, Math.max(0, ms / scale));
      return { cancel: () => clearTimeout(handle) };
    },
  };
}

export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason ?? new Error('aborted'));
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
