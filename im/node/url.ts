/**
 * REST URLs (the region's domain, the `v4/{service}/{command}` path and the signed query) and
 * their redaction: the `usersig` query parameter is a credential and must never reach a log, an
 * error message or a report.
 */
import { randomInt } from 'node:crypto';

/** Primary domains by data-centre region. Use the region where the SDKAppID was created. */
export const REGION_DOMAINS = {
  china: 'console.tim.qq.com',
  singapore: 'adminapisgp.im.qcloud.com',
  seoul: 'adminapikr.im.qcloud.com',
  tokyo: 'adminapijpn.im.qcloud.com',
  frankfurt: 'adminapiger.im.qcloud.com',
  siliconvalley: 'adminapiusa.im.qcloud.com',
  jakarta: 'adminapiidn.im.qcloud.com',
  mumbai: 'adminapiind.im.qcloud.com',
} as const;
export type Region = keyof typeof REGION_DOMAINS;
export const REGIONS = Object.keys(REGION_DOMAINS) as Region[];

/** The service root for a region, e.g. `https://adminapisgp.im.qcloud.com/`. */
export function regionBaseUrl(region: Region): string {
  return `https://${REGION_DOMAINS[region]}/`;
}

/** A uniformly random uint32 (0 … 4294967295) for the `random` parameter. */
export function randomUint32(): number {
  return randomInt(0, 2 ** 32);
}

export interface UrlParams {
  baseUrl: string;
  /** e.g. `v4/sns/friend_import` */
  path: string;
  sdkAppId: number;
  identifier: string;
  userSig: string;
  random?: number;
}

/** Builds a call URL with a fresh `random` per call and `contenttype=json`. */
export function buildUrl(p: UrlParams): URL {
  const base = p.baseUrl.endsWith('/') ? p.baseUrl : `${p.baseUrl}/`;
  const url = new URL(p.path.replace(/^\/+/, ''), base);
  url.searchParams.set('sdkappid', String(p.sdkAppId));
  url.searchParams.set('identifier', p.identifier);
  url.searchParams.set('usersig', p.userSig);
  url.searchParams.set('random', String(p.random ?? randomUint32()));
  url.searchParams.set('contenttype', 'json');
  return url;
}

export const REDACTED = '[redacted]';

/** The URL as text with the `usersig` value replaced; safe to log. */
export function redactUrl(url: URL | string): string {
  const u = new URL(String(url));
  if (u.searchParams.has('usersig')) u.searchParams.set('usersig', REDACTED);
  return u.toString().replace(encodeURIComponent(REDACTED), REDACTED);
}

/**
 * Replaces every UserSig in free text (error messages from lower layers, stack traces, a gateway's
 * error page): `usersig=…`, URL-encoded `usersig%3D…`, and `"usersig": "…"` in JSON.
 */
export function redactText(text: string): string {
  return text
    .replace(/(usersig(?:=|%3D))(?!\[redacted\])(?:[\w*+/=.-]|%(?!26)[0-9A-F]{2})*/gi, `$1${REDACTED}`)
    .replace(/("usersig"\s*:\s*")[^"]*/gi, `$1${REDACTED}`);
}
