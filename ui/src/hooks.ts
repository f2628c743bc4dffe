/** Data loading for the pages: load once per key, optionally poll, keep the last good answer while reloading. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `key` changes, and every `pollMs` while given. Answers of an older key are dropped, so a
 * slow answer never overwrites a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, key: string, pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean; key: string }>({
    data: undefined,
    error: undefined,
    loading: true,
    key,
  });
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => mine === seq.current && setState({ data, error: undefined, loading: false, key }),
      (error: unknown) => mine === seq.current && setState((s) => ({ ...s, error, loading: false, key })),
    );
  }, [key]);
  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: true, key });
    run();
  }, [key]);
  useEffect(() => {
    if (!pollMs) return;
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') run();
    }, pollMs);
    return () => clearInterval(t);
  }, [key, pollMs]);
  const fresh = state.key === key;
  return {
    data: fresh ? state.data : undefined,
    error: fresh ? state.error : undefined,
    loading: state.loading,
    reload: run,
  };
}
