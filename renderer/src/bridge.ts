// The renderer's only way out: window.taxpoynt (the BridgeApi the preload exposes), with hooks for requests and events.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BridgeApi, Channel, EventName, EventPayload, Input, Output } from '../../preload/api';

declare global {
  interface Window {
    taxpoynt?: BridgeApi;
  }
}

/** A failed request as the engine described it: a stable code, the field at fault, what to do next. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

function api(): BridgeApi {
  const found = window.taxpoynt;
  if (!found) throw new RequestError('no_bridge', 'The engine is not connected to this window. Restart TaxPoynt POS Bridge.');
  return found;
}

function asError(err: unknown): RequestError {
  if (err instanceof RequestError) return err;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; field?: unknown };
    // Errors that crossed IPC arrive as "Error invoking remote method 'x': Error: ..." or as plain shapes.
    const message = typeof e.message === 'string' ? e.message.replace(/^Error invoking remote method '[^']+': (\w*Error: )?/, '') : 'The request failed.';
    return new RequestError(typeof e.code === 'string' ? e.code : 'failed', message, typeof e.field === 'string' ? e.field : null);
  }
  return new RequestError('failed', String(err));
}

export async function call<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>> {
  let answer: unknown;
  try {
    answer = await api().invoke(channel, input);
  } catch (err) {
    throw asError(err);
  }
  // Tolerate an envelope ({ ok, value | error }) if a transport passes one through unopened.
  if (answer && typeof answer === 'object' && 'ok' in answer && ('value' in answer || 'error' in answer)) {
    const env = answer as { ok: boolean; value?: unknown; error?: unknown };
    if (!env.ok) throw asError(env.error);
    return env.value as Output<C>;
  }
  return answer as Output<C>;
}

export function subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  try {
    return api().on(event, listener);
  } catch {
    return () => undefined;
  }
}

export interface Query<T> {
  data: T | undefined;
  error: RequestError | undefined;
  loading: boolean;
  reload: () => void;
  set: (value: T) => void;
}

/** Runs a request when the component mounts (and when `key` changes); `reload` runs it again. */
export function useRequest<C extends Channel>(channel: C, input: Input<C>, key = ''): Query<Output<C>> {
  const [data, setData] = useState<Output<C>>();
  const [error, setError] = useState<RequestError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const inputRef = useRef(input);
  inputRef.current = input;
  useEffect(() => {
    let live = true;
    setLoading(true);
    call(channel, inputRef.current).then(
      (v) => {
        if (!live) return;
        setData(v);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(asError(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [channel, key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading: loading && data === undefined, reload, set: setData };
}

export function useEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => subscribe(event, (p) => ref.current(p)), [event]);
}

/** Runs an action, remembering whether it is busy; errors go to `onError`. */
export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>, onError: (e: RequestError) => void): [(...args: A) => Promise<T | undefined>, boolean] {
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      try {
        return await fn(...args);
      } catch (e) {
        onError(asError(e));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [fn, onError],
  );
  return [run, busy];
}
