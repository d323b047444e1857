import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/**
 * The WeChat runtime around a compiled `dist/weapp`, enough to run it as WeChat does — without WeChat DevTools:
 *
 * - WeChat's own component framework (exparser, through `miniprogram-simulate` / `j-component`) and its own WXML
 *   compiler (`wcc`, `compiler: 'official'`) render every page's `index.wxml` — Taro's templates in `base.wxml` —
 *   from the data the page's `setData` sends, exactly the calls WeChat would receive;
 * - `App`, `getApp`, `getCurrentPages` and `Page` as globals, a page being a component whose lifetimes call the page's
 *   `onLoad(query)` / `onShow` / `onReady` / `onUnload` (what the runtime does when a page opens and closes);
 * - `wx`: miniprogram-simulate's stand-ins for every API, with ours on top: `request` goes over HTTP to a real
 *   server (`server`: the build's API origin is replaced by it, as a phone reaches the deployment), storage is kept in memory, and the navigation APIs move a page stack (open, close, replace) the way the
 *   runtime does, each call recorded; `connectSocket` gives a socket that never opens (the pages poll meanwhile).
 *
 * It is jsdom, not WeChat's JavaScript engine or renderer: layout, canvases and native components are not drawn.
 * Load it under jest's jsdom environment (`@jest-environment jsdom`).
 */

interface Simulate {
  load(componentPath: string, options?: { compiler?: 'official' | 'simulate'; rootPath?: string }): string;
  render(id: string, properties?: object): SimComponent;
}

/** The few DOM types used here (the tests' TypeScript has no DOM library: they run in Node but this file). */
interface DomNode {
  textContent: string | null;
  children: ArrayLike<DomNode>;
  appendChild(child: DomNode): void;
}
interface Dom {
  document: { createElement(tag: string): DomNode; body: DomNode };
  window: { addEventListener(type: 'error', listener: (e: { message: string }) => void): void };
}
const dom = globalThis as unknown as Dom;

interface SimComponent {
  dom: DomNode;
  instance: PageInstance;
  dispatchEvent(this: { dom: DomNode }, name: string, options?: object): void;
  attach(parent: DomNode): void;
  detach(): void;
}

type Query = Record<string, string>;

/** What Taro's page config receives as `this`: exparser's method caller plus what WeChat sets on a page. */
interface PageInstance {
  route: string;
  options: Query;
  __route__?: string;
  [key: string]: unknown;
}

type PageOptions = Record<string, unknown> & { data?: object };
type AnyFn = (...args: unknown[]) => unknown;

interface WxCallbacks<T> {
  success?: (res: T) => void;
  fail?: (err: { errMsg: string }) => void;
  complete?: (res: T | { errMsg: string }) => void;
}

export interface Navigation {
  api: 'navigateTo' | 'redirectTo' | 'reLaunch' | 'switchTab' | 'navigateBack';
  url?: string;
  delta?: number;
}

/** A page on the stack. */
export interface OpenPage {
  route: string;
  query: Query;
  component: SimComponent;
  /** The text the page shows now (whitespace collapsed). */
  text(): string;
  /**
   * A finger's tap on the innermost element showing `text`: WeChat's `tap` event, bubbling through the WXML tree
   * from there (exparser) to the element Taro bound the handler on.
   */
  tap(text: string): void;
}

/** A problem the app reported while running: an uncaught error, a rejected promise, a `console.error`. */
export interface Problem {
  route: string | undefined;
  message: string;
}

export interface WeappRuntime {
  /** The pages of app.json, main package and subpackages: `pages/…/index`. */
  pages: string[];
  /** Opens `route` as the only page (what `reLaunch` does), and returns it once its first render arrived. */
  launch(route: string, query?: Query): Promise<OpenPage>;
  stack(): OpenPage[];
  navigations: Navigation[];
  storage: Map<string, unknown>;
  problems: Problem[];
  /** Every `wx.request` answered: method, path and status (0: no answer). */
  requests: Array<{ method: string; url: string; status: number }>;
  /** Requests sent and not answered yet. */
  inflight(): number;
  /** Closes every open page (their `onUnload`), as leaving the mini-program does. */
  closeAll(): void;
}

/** app.json's pages: the main package's and each subpackage's (`root` + page). */
export function pagesOf(weappDir: string): string[] {
  const app = JSON.parse(readFileSync(path.join(weappDir, 'app.json'), 'utf8')) as {
    pages: string[];
    subPackages?: Array<{ root: string; pages: string[] }>;
    subpackages?: Array<{ root: string; pages: string[] }>;
  };
  const subs = app.subPackages ?? app.subpackages ?? [];
  return [...app.pages, ...subs.flatMap((s) => s.pages.map((p) => `${s.root.replace(/\/$/, '')}/${p}`))];
}

function parseUrl(url: string, from: string | undefined): { route: string; query: Query } {
  const [p = '', q = ''] = url.split('?');
  // a relative url is relative to the current page's folder, as in WeChat
  const route = p.startsWith('/') ? p.slice(1) : path.posix.join(path.posix.dirname(from ?? ''), p);
  const query: Query = {};
  for (const [k, v] of new URLSearchParams(q)) query[k] = v;
  return { route, query };
}

/** `wx.request` over real HTTP (node's client: jsdom has no fetch), answering as WeChat does (`data` parsed). */
function request(
  options: WxCallbacks<{ data: unknown; statusCode: number; header: Record<string, string>; errMsg: string }> & {
    url: string;
    method?: string;
    data?: unknown;
    header?: Record<string, string>;
    timeout?: number;
  },
  record: (method: string, url: string, status: number) => void,
): { abort(): void } {
  let recorded = false;
  const once = (status: number) => {
    if (!recorded) record(method, options.url, status);
    recorded = true;
  };
  const method = (options.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { ...(options.header ?? {}) };
  let body: string | undefined;
  if (options.data !== undefined && method !== 'GET') {
    body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  let url = options.url;
  if (method === 'GET' && options.data && typeof options.data === 'object') {
    // WeChat puts a GET's data into the query string
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(options.data as Record<string, string | number | boolean | undefined>)) if (v !== undefined) qs.append(k, String(v));
    const s = qs.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  const fail = (message: string) => {
    once(0);
    const res = { errMsg: `request:fail ${message}` };
    options.fail?.(res);
    options.complete?.(res);
  };
  const req = http.request(url, { method, headers, timeout: options.timeout ?? 60_000 }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {
        // not JSON: WeChat gives the text
      }
      once(res.statusCode ?? 0);
      const header: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') header[k] = v;
      const answer = { data, statusCode: res.statusCode ?? 0, header, errMsg: 'request:ok' };
      options.success?.(answer);
      options.complete?.(answer);
    });
  });
  req.on('error', (err) => fail(err.message));
  req.on('timeout', () => req.destroy(new Error('timeout')));
  if (body !== undefined) req.write(body);
  req.end();
  return { abort: () => req.destroy(new Error('abort')) };
}

/** A WeChat API's failure: WeChat rejects with `{ errMsg }`. */
class WxError extends Error {
  constructor(readonly errMsg: string) {
    super(errMsg);
  }
}

/** Calls a WeChat-style API's callbacks, or resolves its promise when it was given none. */
function answer<T extends object>(name: string, options: WxCallbacks<T> | undefined, result: T): Promise<T> | undefined {
  const res = { errMsg: `${name}:ok`, ...result };
  if (options && (options.success || options.fail || options.complete)) {
    setTimeout(() => {
      options.success?.(res);
      options.complete?.(res);
    }, 0);
    return undefined;
  }
  return Promise.resolve(res);
}

/** A socket that stays connecting: the app's live client waits, and its pages poll meanwhile. */
function quietSocket() {
  const noop = () => undefined;
  return { send: noop, close: noop, onOpen: noop, onClose: noop, onError: noop, onMessage: noop };
}

/**
 * Installs the globals, loads `app.js` (the app's `onLaunch`), and returns the runtime. Call once per test file:
 * webpack's module cache in the build's `runtime.js` lives as long as the file's module registry.
 */
export function startWeappRuntime(weappDir: string, { server }: { server: string }): WeappRuntime {
  const storage = new Map<string, unknown>();
  const navigations: Navigation[] = [];
  const problems: Problem[] = [];
  const requests: WeappRuntime['requests'] = [];
  const stack: OpenPage[] = [];
  let inflight = 0;
  const loaded = new Map<string, string>();
  const pages = pagesOf(weappDir);
  const g = globalThis as unknown as Record<string, unknown>;
  const current = () => stack[stack.length - 1]?.route;

  const navigate = (api: Navigation['api'], options: WxCallbacks<object> & { url?: string; delta?: number }) => {
    navigations.push({ api, ...(options.url !== undefined ? { url: options.url } : {}), ...(options.delta !== undefined ? { delta: options.delta } : {}) });
    const go = async () => {
      if (api === 'navigateBack') {
        const n = Math.min(options.delta ?? 1, stack.length - 1);
        for (let i = 0; i < n; i++) close(stack.pop());
        const top = stack[stack.length - 1];
        if (top) (top.component.instance.onShow as AnyFn | undefined)?.call(top.component.instance);
        return;
      }
      const target = parseUrl(options.url ?? '', current());
      if (!pages.includes(target.route)) throw new Error(`${api}:fail page "${target.route}" is not found`);
      if (api === 'reLaunch' || api === 'switchTab') while (stack.length) close(stack.pop());
      else if (api === 'redirectTo') close(stack.pop());
      else if (stack.length >= 10) throw new Error('navigateTo:fail webview count limit exceed');
      await open(target.route, target.query);
    };
    const done = go().then(
      () => ({ errMsg: `${api}:ok` }),
      (err: Error) => {
        throw new WxError(err.message);
      },
    );
    if (options.success || options.fail || options.complete) {
      done.then(
        (res) => {
          options.success?.(res);
          options.complete?.(res);
        },
        (err: { errMsg: string }) => {
          options.fail?.(err);
          options.complete?.(err);
        },
      );
      return undefined;
    }
    return done;
  };

  const ours: Record<string, unknown> = {
    request: (o: Parameters<typeof request>[0]) => {
      inflight += 1;
      // the build calls the API at its TARO_APP_API_BASE; here that is the test's server, wherever it listens
      return request({ ...o, url: o.url.replace(/^https?:\/\/[^/]+/, server) }, (method, url, status) => {
        inflight -= 1;
        requests.push({ method, url: url.replace(/^https?:\/\/[^/]+/, ''), status });
      });
    },
    uploadFile: (o: WxCallbacks<object>) => answer('uploadFile', o, { data: '{}', statusCode: 200 }),
    connectSocket: () => quietSocket(),
    getStorageSync: (key: string) => (storage.has(key) ? structuredClone(storage.get(key)) : ''),
    setStorageSync: (key: string, value: unknown) => void storage.set(key, structuredClone(value)),
    removeStorageSync: (key: string) => void storage.delete(key),
    clearStorageSync: () => storage.clear(),
    getStorage: (o: WxCallbacks<object> & { key: string }) =>
      storage.has(o.key)
        ? answer('getStorage', o, { data: structuredClone(storage.get(o.key)) })
        : Promise.reject(new WxError('getStorage:fail data not found')),
    setStorage: (o: WxCallbacks<object> & { key: string; data: unknown }) => {
      storage.set(o.key, structuredClone(o.data));
      return answer('setStorage', o, {});
    },
    removeStorage: (o: WxCallbacks<object> & { key: string }) => {
      storage.delete(o.key);
      return answer('removeStorage', o, {});
    },
    navigateTo: (o: WxCallbacks<object> & { url: string }) => navigate('navigateTo', o),
    redirectTo: (o: WxCallbacks<object> & { url: string }) => navigate('redirectTo', o),
    reLaunch: (o: WxCallbacks<object> & { url: string }) => navigate('reLaunch', o),
    switchTab: (o: WxCallbacks<object> & { url: string }) => navigate('switchTab', o),
    navigateBack: (o: WxCallbacks<object> & { delta?: number } = {}) => navigate('navigateBack', o),
    // wx.createSelectorQuery() selects in the page on top, as WeChat's does (exparser's own query, on jsdom's boxes)
    createSelectorQuery: () => {
      const top = stack[stack.length - 1]?.component.instance as { createSelectorQuery?: () => unknown } | undefined;
      if (!top?.createSelectorQuery) throw new Error('createSelectorQuery: no page is open');
      return top.createSelectorQuery();
    },
    // no one taps 「允许」 here: a WeChat login code the fake never accepts, and no subscription granted
    login: (o: WxCallbacks<object>) => answer('login', o, { code: 'weapp-render-no-login' }),
    requestSubscribeMessage: (o: WxCallbacks<object>) => answer('requestSubscribeMessage', o, {}),
  };
  g.wx = ours;
  g.getCurrentPages = () => stack.map((p) => p.component.instance);
  let appInstance: Record<string, unknown> | undefined;
  g.App = (options: Record<string, unknown>) => {
    appInstance = options;
  };
  g.getApp = () => appInstance;
  g.__wxConfig = { envVersion: 'develop' };

  // miniprogram-simulate reads global.wx when it is first required: ours stay on top of its stand-ins
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const simulate = require('miniprogram-simulate') as Simulate;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const utils = require('miniprogram-simulate/src/utils') as { runJs: (file: string) => void };
  const simComponent = g.Component as (options: object) => void;

  /**
   * webpack runs each page's module once per process (its module cache), so `Page()`/`Component()` is called the
   * first time a file runs; the definition is kept, and a later load of the same file registers it again.
   */
  const definitions = new Map<string, { kind: 'Page' | 'Component'; options: PageOptions }>();
  let running: string | undefined;
  g.Component = (options: PageOptions) => {
    if (running) definitions.set(running, { kind: 'Component', options });
    simComponent(options);
  };
  g.Page = (options: PageOptions) => {
    if (running) definitions.set(running, { kind: 'Page', options });
    simComponent(pageAsComponent(options));
  };
  utils.runJs = (file: string) => {
    const known = definitions.get(file);
    if (known) {
      if (known.kind === 'Page') simComponent(pageAsComponent(known.options));
      else simComponent(known.options);
      return;
    }
    running = file;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(file);
    } finally {
      running = undefined;
    }
  };

  /** A page is a component whose lifetimes call the page's lifecycle, with the page's methods on `this`. */
  function pageAsComponent(options: PageOptions): object {
    const methods: Record<string, AnyFn> = {};
    const data: object = options.data ?? {};
    for (const [key, value] of Object.entries(options)) if (typeof value === 'function') methods[key] = value as AnyFn;
    return {
      data,
      methods,
      lifetimes: {
        attached(this: PageInstance) {
          const opening = pending;
          if (!opening) throw new Error('a page attached outside open()');
          this.route = opening.route;
          this.__route__ = opening.route;
          this.options = opening.query;
          (this.onLoad as AnyFn | undefined)?.call(this, { ...opening.query });
          (this.onShow as AnyFn | undefined)?.call(this);
        },
        ready(this: PageInstance) {
          (this.onReady as AnyFn | undefined)?.call(this);
        },
        detached(this: PageInstance) {
          (this.onUnload as AnyFn | undefined)?.call(this);
        },
      },
    };
  }

  let pending: { route: string; query: Query } | undefined;
  const host = dom.document.createElement('div');
  dom.document.body.appendChild(host);

  function close(page: OpenPage | undefined): void {
    if (!page) return;
    try {
      page.component.detach();
    } catch (err) {
      problems.push({ route: page.route, message: `onUnload: ${(err as Error).message}` });
    }
  }

  async function open(route: string, query: Query): Promise<OpenPage> {
    let id = loaded.get(route);
    if (!id) {
      id = simulate.load(path.join(weappDir, route), { compiler: 'official', rootPath: weappDir });
      loaded.set(route, id);
    }
    pending = { route, query };
    let component: SimComponent;
    try {
      component = simulate.render(id);
      component.attach(host);
    } finally {
      pending = undefined;
    }
    const page: OpenPage = {
      route,
      query,
      component,
      text: () => (component.dom.textContent ?? '').replace(/\s+/g, ' ').trim(),
      tap: (text) => {
        const innermost = (node: DomNode): DomNode | undefined => {
          for (const child of Array.from(node.children)) {
            const found = innermost(child);
            if (found) return found;
          }
          return (node.textContent ?? '').trim() === text ? node : undefined;
        };
        const target = innermost(component.dom);
        if (!target) throw new Error(`${route}: no element shows 「${text}」`);
        // j-component's dispatchEvent reads only \`this.dom\`: the event starts at that element's exparser node
        component.dispatchEvent.call({ dom: target }, 'tap', { detail: { x: 0, y: 0 } });
      },
    };
    stack.push(page);
    return page;
  }

  // the app's errors are the test's findings, whichever page was open
  const origError = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    problems.push({ route: current(), message: args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(' ') });
    origError(...args);
  };
  // WeChat's WXML runtime warns when a page's data asks for a template it does not have (「Template … not found」):
  // in WeChat that part of the page is simply not drawn, so it is a finding too
  const origWarn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.includes('WXMLRT')) problems.push({ route: current(), message: text });
    origWarn(...args);
  };
  dom.window.addEventListener('error', (e) => problems.push({ route: current(), message: e.message }));
  process.on('unhandledRejection', (reason) =>
    problems.push({ route: current(), message: `unhandled rejection: ${String((reason as Error)?.message ?? reason)}` }),
  );

  // the app: app.js registers it with App(); WeChat then calls onLaunch and onShow
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(weappDir, 'app.js'));
  if (!appInstance) throw new Error(`${weappDir}/app.js did not call App()`);
  const launchOptions = { path: pages[0], query: {}, scene: 1001 };
  (appInstance.onLaunch as AnyFn | undefined)?.call(appInstance, launchOptions);
  (appInstance.onShow as AnyFn | undefined)?.call(appInstance, launchOptions);

  return {
    pages,
    navigations,
    storage,
    problems,
    requests,
    stack: () => [...stack],
    inflight: () => inflight,
    launch: async (route, query = {}) => {
      while (stack.length) close(stack.pop());
      return open(route, query);
    },
    closeAll: () => {
      while (stack.length) close(stack.pop());
    },
  };
}
