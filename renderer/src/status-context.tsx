// The engine's status, fetched once and then kept current by the `status` event; every screen reads it from here.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { StatusView } from '../../preload/api';
import { call, subscribe, RequestError } from './bridge';

interface StatusState {
  status: StatusView | undefined;
  error: RequestError | undefined;
  refresh: () => void;
}
const Ctx = createContext<StatusState>({ status: undefined, error: undefined, refresh: () => undefined });
export const useStatus = () => useContext(Ctx);

export function StatusProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<StatusView>();
  const [error, setError] = useState<RequestError>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    call('status', {}).then(
      (s) => {
        if (live) {
          setStatus(s);
          setError(undefined);
        }
      },
      (e: RequestError) => live && setError(e),
    );
    // Poll gently as well: an event can be missed while the engine restarts.
    const t = setInterval(() => {
      call('status', {}).then(
        (s) => live && (setStatus(s), setError(undefined)),
        (e: RequestError) => live && setError(e),
      );
    }, 2000);
    const off = subscribe('status', (s) => {
      setStatus(s);
      setError(undefined);
    });
    return () => {
      live = false;
      clearInterval(t);
      off();
    };
  }, [tick]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  const value = useMemo(() => ({ status, error, refresh }), [status, error, refresh]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
