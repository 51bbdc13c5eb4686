import { useCallback, useEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router-dom';
import { ApiError, type ApiClient } from '../../../api/client';
import { useSignedIn } from '../../../auth/AuthContext';

/**
 * Loads what a page shows; `reload` runs `load` again, `setData` applies local changes. A change
 * of `key` (the id in the address) loads again.
 */
export function useLoad<T>(load: (api: ApiClient) => Promise<T>, key?: string) {
  const { api } = useSignedIn();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // The loader is usually an inline function: keep the latest without reloading on every render.
  const loader = useRef(load);
  loader.current = load;

  // Only the latest load may land (an older, slower answer must not overwrite it).
  const latest = useRef(0);

  const reload = useCallback(async () => {
    void key;
    const seq = ++latest.current;
    setLoading(true);
    setError(null);
    try {
      const value = await loader.current(api);
      if (seq === latest.current) setData(value);
    } catch (err) {
      if (seq === latest.current) setError(err instanceof ApiError ? err.userMessage : String(err));
    } finally {
      if (seq === latest.current) setLoading(false);
    }
  }, [api, key]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, setData, error, loading, reload };
}

/** A message handed over by the page that navigated here ("Queue Support created."). */
export function useFlash(): string | null {
  const location = useLocation();
  const state = location.state as { flash?: unknown } | null;
  return typeof state?.flash === 'string' ? state.flash : null;
}
