import { randomUUID } from 'node:crypto';
import fastifyWebsocket from '@fastify/websocket';
import { LIVE_PATH, LIVE_PING_MS, LIVE_SILENCE_MS, type LiveServerMessage } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { poolOf } from '../../db/migrate';
import { fieldError } from '../../errors';
import { docs } from '../../http/openapi';
import { LiveHub } from './hub';
import { LiveListener } from './listener';
import { inboxSince } from './live.repo';
import { PresenceWriter } from './presence';
import { LIVE_CHANNEL, parseNotice } from './routing';
import { LiveClose, LiveSocket } from './socket';

export interface LiveOptions {
  /** The first message (`auth`) must come within this (the protocol's 10 s). */
  authTimeoutMs?: number;
  /** The server pings every authenticated socket this often, and checks its token again. */
  pingMs?: number;
  /** A socket that sent nothing for this long is ended (the client reconnects). */
  silenceMs?: number;
  /** This process's presence rows are refreshed this often (online = refreshed within 90 s). */
  presenceMs?: number;
  /** The listener's reconnection backoff: first wait, longest wait. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** At most this many missed notifications follow `ready`; the inbox (REST) has the rest. */
const CATCH_UP_LIMIT = 100;
/** The largest message a client sends is `auth` with a token (~300 bytes). */
const MAX_CLIENT_MESSAGE = 16 * 1024;
/** A client this far behind in reading is dropped rather than buffered without end. */
const MAX_BUFFERED = 1024 * 1024;
/** The route in the OpenAPI document (the protocol itself is in shared/src/notifications.ts). */
const LIVE_DOCS = docs({
  tags: ['notifications'],
  summary: '实时通道（WebSocket）：本人的消息与可见需求的变化，即时推送',
  description: [
    '以 WebSocket 连接（`ws://` 或 `wss://`，与 API 同源）；普通 GET 得 400。',
    '',
    '- 连接后 10 秒内发送第一条消息 `{"type":"auth","token":"<登录令牌>","after":"<已看到的最后一条消息编号>"}`，否则关闭（4401）。令牌无效、过期或已退出登录：关闭 4401，请重新登录，不要用同一令牌重连。',
    '- 成功：`{"type":"ready","userId","unread"}`；给了 `after` 时接着按时间顺序补发此后的消息（`{"type":"notification","notification":{…}}`，最多 100 条，更多请经消息中心接口读取）。',
    '- 之后推送：本人的新消息（`notification`），本人可见的需求的变化 `{"type":"order","orderId","status","seq"}`（收到后经 REST 接口重新读取）。',
    '- 心跳：服务器每 25 秒发 `{"type":"ping"}`，请回 `{"type":"pong"}`；60 秒未收到客户端任何消息即断开。客户端也可发 `ping`，服务器回 `pong`。',
    '- 关闭码：4401 未登录；1001 服务器重启；1012 请立即重连并补发（带上 `after`）；1011 服务器暂时出错，稍后重连；1003 不是本协议的消息。',
  ].join('\n'),
  response: { 101: null },
  errors: [[400, '不是 WebSocket 连接请求']],
});

/** At shutdown, sockets get this long to finish the closing handshake before they are cut. */
const CLOSE_GRACE_MS = 1_000;

/**
 * The live channel (issue 19): a WebSocket at LIVE_PATH that pushes a person's notifications and the changes of the
 * orders they can see, while their app is open. Every API process holds its own sockets; what reaches them comes
 * through PostgreSQL (NOTIFY on `bangbang_live`, sent by the notification job at commit), so a change committed
 * through process A reaches a socket held by process B. Who is online is in live_presence, shared by all.
 */
async function liveRoutes(app: FastifyInstance, opts: LiveOptions): Promise<void> {
  const authTimeoutMs = opts.authTimeoutMs ?? 10_000;
  const pingMs = opts.pingMs ?? LIVE_PING_MS;
  const silenceMs = opts.silenceMs ?? LIVE_SILENCE_MS;
  const presenceMs = opts.presenceMs ?? 30_000;
  const log = app.log.child({ module: 'live' });
  const processId = randomUUID();

  const hub = new LiveHub<LiveSocket>();
  /** Every socket, authenticated or not (shutdown closes them all). */
  const all = new Set<LiveSocket>();
  const presence = new PresenceWriter(
    app.db,
    processId,
    (id) => hub.count(id),
    () => hub.people(),
    (err) => log.warn({ err }, 'live: presence not written'),
  );

  const route = (payload: string): void => {
    const notice = parseNotice(payload);
    if (!notice) {
      log.warn('live: a payload of an unknown shape was dropped');
      return;
    }
    if (notice.t === 'n') {
      const message: LiveServerMessage = { type: 'notification', notification: notice.n };
      hub.toPerson(notice.to, JSON.stringify(message), notice.n.id);
    } else {
      const message: LiveServerMessage = { type: 'order', orderId: notice.id, status: notice.status, seq: notice.seq };
      hub.toOrder(notice, JSON.stringify(message));
    }
  };

  /** Closes every socket; waits (a little) for the closing handshakes, then cuts what is left. */
  const closeAll = async (code: number, reason: string, graceMs: number): Promise<void> => {
    const sockets = [...all];
    for (const s of sockets) s.close(code, reason);
    if (graceMs <= 0 || sockets.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(sockets.map((s) => s.closed())), grace]);
    clearTimeout(timer);
    for (const s of sockets) if (!s.isClosed) s.terminate();
  };

  const listener = new LiveListener({
    connection: { ...poolOf(app.db).options, application_name: 'bangbang-live' },
    channel: LIVE_CHANNEL,
    onPayload: route,
    // NOTIFY is not kept for a listener that was away: every client reconnects and catches up from its last id
    onRecovered: () => {
      log.info({ sockets: all.size }, 'live: listening again; clients reconnect to catch up');
      void closeAll(LiveClose.RESTART, 'reconnect to catch up', 0);
    },
    onError: (err, what) => log.warn({ err }, `live: ${what}`),
    minDelayMs: opts.retryMinMs,
    maxDelayMs: opts.retryMaxMs,
  });

  const heartbeat = (): void => {
    const now = Date.now();
    for (const socket of hub.sockets()) {
      if (now - socket.lastHeard > silenceMs) {
        socket.terminate();
        continue;
      }
      socket.ping();
      void socket.recheck();
    }
  };

  let timers: NodeJS.Timeout[] = [];
  const stopTimers = (): void => {
    for (const t of timers) clearInterval(t);
    timers = [];
  };

  await app.register(async (scope) => {
    // encapsulated: its hooks (which mark upgrade requests) stay on this route
    await scope.register(fastifyWebsocket, {
      options: { maxPayload: MAX_CLIENT_MESSAGE },
      // a client's broken frame or cut connection: the client's doing, not the server's error
      errorHandler: (err, ws) => {
        log.info({ err }, 'live: socket error');
        ws.terminate();
      },
      // replaces the plugin's own (close() without a code): the clients are told the server is going away
      preClose: async () => {
        stopTimers();
        await closeAll(LiveClose.GOING_AWAY, 'server shutting down', CLOSE_GRACE_MS);
        scope.websocketServer.close();
      },
    });
    scope.route({
      method: 'GET',
      url: LIVE_PATH,
      schema: LIVE_DOCS,
      // a plain GET (no upgrade): said in the error contract, not @fastify/websocket's bare 404
      handler: async () => {
        throw fieldError('upgrade', '须为 websocket：这是实时通道，请用 WebSocket 连接');
      },
      wsHandler: (ws) => {
        const socket = new LiveSocket(
          ws,
          {
            authenticate: (token) => app.actorOfToken(token),
            inbox: (userId, after) => inboxSince(app.db, userId, after, CATCH_UP_LIMIT),
            joined: (s) => {
              hub.add(s);
              presence.changed(s.person.id);
            },
            left: (s) => {
              all.delete(s);
              if (!s.joined) return;
              hub.remove(s);
              presence.changed(s.person.id);
            },
            log,
            maxBufferedBytes: MAX_BUFFERED,
          },
          authTimeoutMs,
        );
        all.add(socket);
      },
    });
  });

  app.addHook('onReady', async () => {
    await listener.start();
    timers = [setInterval(heartbeat, pingMs), setInterval(() => void presence.refresh(), presenceMs)];
    for (const t of timers) t.unref();
  });

  app.addHook('onClose', async () => {
    stopTimers();
    await listener.close();
    try {
      await presence.close();
    } catch (err) {
      log.warn({ err }, 'live: presence rows of this process not removed (they go stale in 90 s)');
    }
  });
}

export default fp(liveRoutes, { name: 'live', dependencies: ['core', 'auth'], fastify: '5.x' });
