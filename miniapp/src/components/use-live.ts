import { useEffect, useRef } from 'react';
import { useDidHide, useDidShow } from '@tarojs/taro';
import { live } from '../services/live';

/** How often a page looks again by itself while the live connection is down (and only then). */
export const LIVE_INTERVAL_MS = 15_000;

/** Several changes in a burst (accepted, then checked in; a batch dispatch) make one reload. */
export const LIVE_DEBOUNCE_MS = 300;

export interface LiveReloadOptions {
  /** A page about one order: only that order's changes (and notifications about it) reload it. */
  orderId?: string;
}

/**
 * Keeps a page fresh while it is in view: it reloads (debounced) when the live connection says an order changed —
 * any order for a list (the hall, the board, my tasks, my orders), only its own for an order's page — or a
 * notification about it arrives. While the connection is not open it falls back to looking again every
 * LIVE_INTERVAL_MS, and when the connection comes back it reloads once (changes while it was down were not pushed).
 * A hidden page does nothing: the pages reload when shown again (`refreshOnShow`).
 */
export function useLiveReload(reload: () => void, options: LiveReloadOptions = {}): void {
  const latest = useRef(reload);
  latest.current = reload;
  const orderId = options.orderId;
  const shown = useRef(true);
  const debounce = useRef<ReturnType<typeof setTimeout>>();
  const poll = useRef<ReturnType<typeof setInterval>>();

  const soon = () => {
    if (!shown.current) return;
    if (debounce.current !== undefined) clearTimeout(debounce.current);
    debounce.current = setTimeout(() => {
      debounce.current = undefined;
      latest.current();
    }, LIVE_DEBOUNCE_MS);
  };

  const stopPolling = () => {
    if (poll.current !== undefined) clearInterval(poll.current);
    poll.current = undefined;
  };
  /** Polling only while shown and the socket is not connected: no polling where a socket is open. */
  const syncPolling = () => {
    if (shown.current && live.state() !== 'connected') {
      if (poll.current === undefined) poll.current = setInterval(() => latest.current(), LIVE_INTERVAL_MS);
    } else {
      stopPolling();
    }
  };

  useDidShow(() => {
    shown.current = true;
    syncPolling();
  });
  useDidHide(() => {
    shown.current = false;
    syncPolling();
    if (debounce.current !== undefined) clearTimeout(debounce.current);
    debounce.current = undefined;
  });

  useEffect(() => {
    syncPolling();
    const offOrder = live.onOrder((change) => {
      if (orderId === undefined || change.orderId === orderId) soon();
    });
    const offNotification = live.onNotification((n) => {
      if (n.orderId !== null && (orderId === undefined || n.orderId === orderId)) soon();
    });
    // after a drop, what changed meanwhile was not pushed: look once when the connection is back
    let dropped = live.state() === 'reconnecting';
    const offState = live.onState((state) => {
      syncPolling();
      if (state === 'reconnecting') dropped = true;
      if (state === 'connected' && dropped) {
        dropped = false;
        soon();
      }
    });
    return () => {
      offOrder();
      offNotification();
      offState();
      stopPolling();
      if (debounce.current !== undefined) clearTimeout(debounce.current);
    };
    // soon/syncPolling only touch refs
  }, [orderId]);
}
