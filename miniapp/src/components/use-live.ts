import { useEffect, useRef } from 'react';
import { useDidHide, useDidShow } from '@tarojs/taro';

/** How often a resident's screens look again while they are in view (a volunteer accepts on another phone). */
export const LIVE_INTERVAL_MS = 15_000;

/**
 * Calls `refresh` every LIVE_INTERVAL_MS while the page is shown; stops when it is hidden (another page on top, the
 * app in the background) or unloaded, so a closed screen costs nothing.
 */
export function useLivePolling(refresh: () => void): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  const timer = useRef<ReturnType<typeof setInterval>>();
  const start = () => {
    if (timer.current === undefined) timer.current = setInterval(() => latest.current(), LIVE_INTERVAL_MS);
  };
  const stop = () => {
    if (timer.current !== undefined) clearInterval(timer.current);
    timer.current = undefined;
  };
  useDidShow(start);
  useDidHide(stop);
  useEffect(() => {
    start();
    return stop;
    // start/stop only touch refs
  }, []);
}
