import { useCallback, useEffect, useRef, useState } from 'react';
import { useDidShow } from '@tarojs/taro';
import { showError } from './feedback';

export interface Loader<T> {
  data: T | undefined;
  /** Set when the last load failed and there is nothing to show (a failed refresh keeps the old data). */
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  /** Replace the data after an action answered with the new state (no second request). */
  setData: (data: T) => void;
}

/**
 * Loads what a page shows, on mount and — with `refreshOnShow` — each time the page comes back into view (a task
 * accepted elsewhere, an order confirmed on its detail page). Only the latest load may write: a slow answer never
 * overwrites a newer one. A refresh that fails while data is on screen keeps it and says why in a toast.
 */
export function useLoader<T>(load: () => Promise<T>, deps: readonly unknown[], options: { refreshOnShow?: boolean } = {}): Loader<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const hasData = useRef(false);
  const shown = useRef(false);

  const reload = useCallback(async () => {
    const id = ++latest.current;
    setLoading(true);
    try {
      const value = await load();
      if (id !== latest.current) return;
      hasData.current = true;
      setData(value);
      setError(undefined);
    } catch (e) {
      if (id !== latest.current) return;
      if (hasData.current) showError(e);
      else setError(e);
    } finally {
      if (id === latest.current) setLoading(false);
    }
    // the caller's deps decide when `load` means something new
  }, deps);

  useEffect(() => {
    void reload();
  }, [reload]);

  useDidShow(() => {
    // the first show is the mount, already loading
    if (shown.current && options.refreshOnShow) void reload();
    shown.current = true;
  });

  const set = useCallback((value: T) => {
    hasData.current = true;
    setData(value);
  }, []);

  return { data, error, loading, reload, setData: set };
}
