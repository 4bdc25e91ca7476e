/** Shared by the emulator's integration tests: an emulator per test file, the im/ client, raw HTTP. */
import {
  buildUrl,
  genUserSig,
  ImClient,
  LOCAL_IM_APP,
  type AddFriendItem,
  type FriendImportRequest,
} from '../../../im/index.js';
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
