/**
 * `@tarojs/taro` for jest (mapped in jest.config.js): the few calls the mini-program's client makes, over Node's
 * fetch and an in-memory storage, so the real `miniapp/src/services/api.ts` is tested against a real HTTP server on
 * loopback. It behaves like Taro on a phone where it matters to the client: GET data becomes the query string, a
 * JSON body is parsed and any other body handed back as text, and no answer at all rejects.
 */

import { readFile } from 'node:fs/promises';

const storage = new Map<string, unknown>();

interface RequestOption {
  url: string;
  method?: string;
  header?: Record<string, string>;
  data?: unknown;
  timeout?: number;
}

async function request(option: RequestOption): Promise<{ statusCode: number; data: unknown; header: Record<string, string> }> {
  const method = option.method ?? 'GET';
  let url = option.url;
  let body: string | undefined;
  if (option.data !== undefined) {
    if (method === 'GET') {
      const query = new URLSearchParams(Object.entries(option.data as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)]));
      url += (url.includes('?') ? '&' : '?') + query.toString();
    } else {
      body = JSON.stringify(option.data);
    }
  }
  const response = await fetch(url, { method, headers: option.header, body, signal: AbortSignal.timeout(option.timeout ?? 15_000) });
  const text = await response.text();
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: Taro hands the text back as it is
  }
  return { statusCode: response.status, data, header: Object.fromEntries(response.headers) };
}

interface UploadOption {
  url: string;
  filePath: string;
  name: string;
  header?: Record<string, string>;
  timeout?: number;
}

/** Like wx.uploadFile: multipart with the file under `name`; the body always comes back as text. */
async function uploadFile(option: UploadOption): Promise<{ statusCode: number; data: string }> {
  const form = new FormData();
  form.append(option.name, new Blob([await readFile(option.filePath)]), option.filePath.split('/').pop());
  const response = await fetch(option.url, { method: 'POST', headers: option.header, body: form, signal: AbortSignal.timeout(option.timeout ?? 60_000) });
  return { statusCode: response.status, data: await response.text() };
}

const Taro = {
  request,
  uploadFile,
  getStorageSync: (key: string): unknown => storage.get(key) ?? '',
  setStorageSync: (key: string, value: unknown): void => void storage.set(key, value),
  removeStorageSync: (key: string): void => void storage.delete(key),
  clearStorageSync: (): void => storage.clear(),
};

export default Taro;
