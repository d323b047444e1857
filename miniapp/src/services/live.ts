import { useEffect, useState } from 'react';
import Taro from '@tarojs/taro';
import { LIVE_PATH, type NotificationDto } from '@bangbang/shared';
import { getToken } from './api';
import { createLiveClient, liveUrl, type LiveSocket, type LiveSocketEvents, type LiveState } from './live-client';

/**
 * The app's one live connection (WebSocket at LIVE_PATH): started after login (and at launch when a login is
 * remembered), stopped at logout; pages subscribe to it (`components/use-live.ts`). The logic is in
 * `live-client.ts`; this file gives it a socket per platform, the device storage and the app's show/hide.
 */

const LAST_SEEN_KEY = 'bangbang.live.lastSeen';

/** Replaced at build time (config/index.ts): '' = the page's own origin (H5), an absolute origin for weapp. */
const API_BASE = process.env.TARO_APP_API_BASE;

/**
 * H5 uses the browser's WebSocket directly: Taro 4.2's H5 SocketTask reports every close the server makes as
 * 1006 (it only passes on the code of a close the page asked for), and the client must see 4401 to stop retrying.
 */
function openBrowserSocket(url: string, events: LiveSocketEvents): LiveSocket {
  const ws = new WebSocket(url);
  ws.onopen = () => events.open();
  ws.onmessage = (e: MessageEvent) => {
    if (typeof e.data === 'string') events.message(e.data);
  };
  ws.onclose = (e: CloseEvent) => events.close(e.code);
  ws.onerror = () => events.error();
  return { send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason) };
}

/**
 * WeChat: `Taro.connectSocket` (wx.connectSocket). Its task comes back in a promise, so what is sent or closed before
 * that is applied once it is there (in practice nothing is: the client sends only after `open`).
 */
function openWeappSocket(url: string, events: LiveSocketEvents): LiveSocket {
  let task: Taro.SocketTask | undefined;
  let closed: { code: number; reason: string } | undefined;
  Taro.connectSocket({ url }).then(
    (t) => {
      task = t;
      t.onOpen(() => events.open());
      t.onMessage((m) => {
        if (typeof m.data === 'string') events.message(m.data);
      });
      t.onClose((r) => events.close(r.code));
      t.onError(() => events.error());
      if (closed) t.close(closed);
    },
    () => events.error(),
  );
  return {
    send: (text) => void task?.send({ data: text }),
    close: (code = 1000, reason = '') => {
      closed = { code, reason };
      task?.close({ code, reason });
    },
  };
}

function pageOrigin(): string {
  return typeof location === 'undefined' ? '' : location.origin;
}

/** The last notification seen, per person, on the device: `{ userId, id }`. */
const lastSeen = {
  get(userId: string): string | undefined {
    const raw: unknown = Taro.getStorageSync(LAST_SEEN_KEY);
    if (typeof raw !== 'object' || raw === null) return undefined;
    const stored = raw as { userId?: unknown; id?: unknown };
    return stored.userId === userId && typeof stored.id === 'string' ? stored.id : undefined;
  },
  set(userId: string, id: string): void {
    Taro.setStorageSync(LAST_SEEN_KEY, { userId, id });
  },
};

export const live = createLiveClient({
  open: process.env.TARO_ENV === 'h5' ? openBrowserSocket : openWeappSocket,
  url: () => liveUrl(API_BASE, pageOrigin(), LIVE_PATH),
  token: getToken,
  lastSeen,
});

/** WeChat closes sockets of an app left in the background; coming back, do not wait for the backoff. */
Taro.onAppShow(() => live.wake());

/**
 * A new notification: a short toast (WeChat cuts a toast's title at 7 characters with an icon, and shows two lines
 * without one: the title when it is short, else 「您有新消息」), and a buzz for what is urgent.
 */
live.onNotification((n: NotificationDto, meta) => {
  if (meta.catchUp) return;
  const short = n.title.length <= 7 ? n.title : '您有新消息';
  void Taro.showToast({ title: short, icon: 'none', duration: 2500 }).catch(() => undefined);
  if (n.urgent && process.env.TARO_ENV === 'weapp') void Taro.vibrateShort({ type: 'heavy' }).catch(() => undefined);
});

export function startLive(userId: string | undefined): void {
  if (userId === undefined || getToken() === undefined) return;
  live.start(userId);
}

export function stopLive(): void {
  live.stop();
}

/** The inbox's unread count, kept by the live connection (a badge on 消息中心 and on the way to 我的). */
export function useUnread(): number {
  const [count, setCount] = useState(live.unread);
  useEffect(() => {
    setCount(live.unread());
    return live.onUnread(setCount);
  }, []);
  return count;
}

export function useLiveState(): LiveState {
  const [state, setState] = useState(live.state);
  useEffect(() => {
    setState(live.state());
    return live.onState(setState);
  }, []);
  return state;
}
