/** Shared by the emulator's integration tests: an emulator per test file, the im/ client, raw HTTP. */
import { request } from 'node:http';
import {
  buildUrl,
  genUserSig,
  ImClient,
  type AddFriendItem,
  type FriendImportRequest,
} from '../../../im/index.js';
import { LOCAL_IM_APP } from '../../../config/im.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../../emulator/index.js';

export const APP = {
  sdkAppId: LOCAL_IM_APP.sdkAppId,
  adminIdentifier: LOCAL_IM_APP.adminIdentifier,
  secretKey: LOCAL_IM_APP.secretKey,
};

export interface Harness {
  emulator: Emulator;
  client: ImClient;
}

export async function start(options: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const emulator = await startEmulator({
    sdkAppId: APP.sdkAppId,
    adminIdentifiers: [APP.adminIdentifier],
    secretKey: APP.secretKey,
    ...options,
  });
  return { emulator, client: clientFor(emulator.baseUrl) };
}

export function clientFor(baseUrl: string, overrides: { timeoutMs?: number } = {}): ImClient {
  return new ImClient({ baseUrl, ...APP, ...overrides });
}

export function item(to: string, fields: Partial<AddFriendItem> = {}): AddFriendItem {
  return { To_Account: to, AddSource: 'AddSource_Type_Test', ...fields };
}

export function body(from: string, items: AddFriendItem[]): FriendImportRequest {
  return { From_Account: from, AddFriendItem: items };
}

/** `n` UserIDs `prefix0 … prefix{n-1}`. */
export function ids(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + from}`);
}

export interface RawAnswer {
  status: number;
  text: string;
  json: { ErrorCode?: number; ActionStatus?: string; ErrorInfo?: string; [k: string]: unknown } | undefined;
}

export interface RawOptions {
  /** Query parameters to set (or delete, with undefined) after the valid ones are built. */
  query?: Record<string, string | undefined>;
  /** Appended verbatim to the query string (e.g. to repeat a parameter). */
  appendQuery?: string;
  userSig?: string;
  headers?: Record<string, string>;
  method?: string;
}

/** A request with full control over the URL, headers and body (what the im/ client never sends). */
export async function raw(
  baseUrl: string,
  path: string,
  payload: string | Uint8Array | undefined,
  options: RawOptions = {},
): Promise<RawAnswer> {
  const url = buildUrl({
    baseUrl,
    path,
    sdkAppId: APP.sdkAppId,
    identifier: APP.adminIdentifier,
    userSig:
      options.userSig ??
      genUserSig(APP.secretKey, { ...APP, identifier: APP.adminIdentifier, expireSeconds: 3600 }),
  });
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  const target = options.appendQuery ? `${url.toString()}&${options.appendQuery}` : url;
  const res = await fetch(target, {
    method: options.method ?? 'POST',
    headers: options.headers ?? { 'content-type': 'application/json' },
    body: options.method === 'GET' ? undefined : payload,
  });
  const text = await res.text();
  let json: RawAnswer['json'];
  try {
    json = JSON.parse(text) as RawAnswer['json'];
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** A valid query string (sdkappid, identifier, a fresh UserSig, random, contenttype=json) for the local app. */
export function validQuery(): string {
  return buildUrl({
    baseUrl: 'http://localhost/',
    path: '',
    sdkAppId: APP.sdkAppId,
    identifier: APP.adminIdentifier,
    userSig: genUserSig(APP.secretKey, { ...APP, identifier: APP.adminIdentifier, expireSeconds: 3600 }),
  }).search.slice(1);
}

/**
 * A POST through node:http with exactly the headers given plus the ones every HTTP/1.1 client
 * sends (Host, Content-Length, Connection), the way clients that know nothing of Content-Type
 * post: fetch would add a Content-Type of its own. `target` is the path and query string as sent
 * on the request line (nothing is normalised). `sentHeaders` lists the header names that went out.
 */
export function postExactly(
  baseUrl: string,
  target: string,
  payload: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<RawAnswer & { sentHeaders: string[] }> {
  const { hostname, port } = new URL(baseUrl);
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  return new Promise((resolve, reject) => {
    const req = request({
      hostname,
      port,
      method: 'POST',
      path: target,
      headers: { ...headers, 'content-length': String(data.length) },
    });
    const sentHeaders = req.getHeaderNames();
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: RawAnswer['json'];
        try {
          json = JSON.parse(text) as RawAnswer['json'];
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json, sentHeaders });
      });
    });
    req.end(data);
  });
}

export async function getJson<T>(
  baseUrl: string,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, baseUrl), init);
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls `check` (bounded) until it returns true. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  tries = 200,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}
