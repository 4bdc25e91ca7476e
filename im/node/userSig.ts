/**
 * UserSig (TLSSigAPIv2, HMAC-SHA256) generation, verification and caching, byte for byte as the
 * vendor's own signing libraries.
 * The secret key is held in private fields so it never shows up in logs, JSON or inspection.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';

export interface UserSigParams {
  sdkAppId: number;
  identifier: string;
  expireSeconds: number;
  /** Unix seconds; defaults to now. */
  nowSeconds?: number;
}

function contentToSign(identifier: string, sdkAppId: number, time: number, expire: number): string {
  return `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${time}\nTLS.expire:${expire}\n`;
}

function hmacBase64(key: string, content: string): string {
  return createHmac('sha256', key).update(content).digest('base64');
}

function escapeBase64(b64: string): string {
  return b64.replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

function unescapeBase64(s: string): string {
  return s.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
}

/** Generates a UserSig for `identifier`, signed with the app's secret `key` (used as UTF-8 bytes). */
export function genUserSig(key: string, p: UserSigParams): string {
  const time = p.nowSeconds ?? Math.floor(Date.now() / 1000);
  const doc = {
    'TLS.ver': '2.0',
    'TLS.identifier': p.identifier,
    'TLS.sdkappid': p.sdkAppId,
    'TLS.time': time,
    'TLS.expire': p.expireSeconds,
    'TLS.sig': hmacBase64(key, contentToSign(p.identifier, p.sdkAppId, time, p.expireSeconds)),
  };
  return escapeBase64(deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64'));
}

/** The vendor codes a verifier answers with (UserSig empty, expired, invalid, another app's). */
export type UserSigFailure =
  | { code: 70002; reason: 'empty' }
  | { code: 70003; reason: 'undecodable' }
  | { code: 70014; reason: 'sdkappid mismatch' }
  | { code: 70013; reason: 'identifier mismatch' }
  | { code: 70001; reason: 'expired' }
  | { code: 70009; reason: 'signature mismatch' };

export type UserSigCheck = { ok: true; expiresAt: number } | ({ ok: false } & UserSigFailure);

interface SigDoc {
  'TLS.ver'?: unknown;
  'TLS.identifier'?: unknown;
  'TLS.sdkappid'?: unknown;
  'TLS.time'?: unknown;
  'TLS.expire'?: unknown;
  'TLS.sig'?: unknown;
  'TLS.userbuf'?: unknown;
}

/** Decodes a UserSig into its JSON document, or `undefined` if it is not a valid zlib/base64/JSON stream. */
export function decodeUserSig(userSig: string): SigDoc | undefined {
  if (!/^[A-Za-z0-9*_-]+$/.test(userSig)) return undefined;
  try {
    const doc: unknown = JSON.parse(
      inflateSync(Buffer.from(unescapeBase64(userSig), 'base64')).toString('utf8'),
    );
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a UserSig the way the service does: decode, then check SDKAppID, identifier, expiry and
 * the HMAC recomputed from the decoded fields. Never compares UserSig strings: zlib output differs
 * between implementations.
 */
export function verifyUserSig(
  key: string,
  userSig: string,
  expected: { sdkAppId: number; identifier: string; nowSeconds?: number },
): UserSigCheck {
  if (userSig.length === 0) return { ok: false, code: 70002, reason: 'empty' };
  const doc = decodeUserSig(userSig);
  const time = doc?.['TLS.time'];
  const expire = doc?.['TLS.expire'];
  const sig = doc?.['TLS.sig'];
  const identifier = doc?.['TLS.identifier'];
  const sdkAppId = doc?.['TLS.sdkappid'];
  if (
    !doc ||
    typeof time !== 'number' ||
    typeof expire !== 'number' ||
    typeof sig !== 'string' ||
    typeof identifier !== 'string' ||
    typeof sdkAppId !== 'number' ||
    doc['TLS.userbuf'] !== undefined
  )
    return { ok: false, code: 70003, reason: 'undecodable' };
  if (sdkAppId !== expected.sdkAppId) return { ok: false, code: 70014, reason: 'sdkappid mismatch' };
  if (identifier !== expected.identifier) return { ok: false, code: 70013, reason: 'identifier mismatch' };
  const now = expected.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (now > time + expire) return { ok: false, code: 70001, reason: 'expired' };
  const want = Buffer.from(hmacBase64(key, contentToSign(identifier, sdkAppId, time, expire)), 'base64');
  const got = Buffer.from(sig, 'base64');
  if (got.length !== want.length || !timingSafeEqual(got, want))
    return { ok: false, code: 70009, reason: 'signature mismatch' };
  return { ok: true, expiresAt: time + expire };
}

export interface UserSigCacheOptions {
  sdkAppId: number;
  secretKey: string;
  /** Validity of each generated UserSig (default 7 days; the vendor recommends at least 24 h). */
  expireSeconds?: number;
  /** Renew once less than this fraction of the validity is left (default 0.5). */
  renewAtFraction?: number;
  /** Unix seconds; injectable for tests. */
  now?: () => number;
  /** Called each time a UserSig is generated (first use, renewal or invalidation). */
  onRenew?: (identifier: string) => void;
}

/** Caches one UserSig per identifier and renews it well before expiry. */
export class UserSigCache {
  readonly #key: string;
  readonly #sdkAppId: number;
  readonly #expire: number;
  readonly #renewAt: number;
  readonly #now: () => number;
  readonly #onRenew?: (identifier: string) => void;
  readonly #cache = new Map<string, { sig: string; renewAfter: number }>();

  constructor(options: UserSigCacheOptions) {
    this.#key = options.secretKey;
    this.#sdkAppId = options.sdkAppId;
    this.#expire = options.expireSeconds ?? 7 * 86_400;
    this.#renewAt = options.renewAtFraction ?? 0.5;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#onRenew = options.onRenew;
  }

  get(identifier: string): string {
    const now = this.#now();
    const hit = this.#cache.get(identifier);
    if (hit && now < hit.renewAfter) return hit.sig;
    const sig = genUserSig(this.#key, {
      sdkAppId: this.#sdkAppId,
      identifier,
      expireSeconds: this.#expire,
      nowSeconds: now,
    });
    this.#cache.set(identifier, { sig, renewAfter: now + Math.floor(this.#expire * (1 - this.#renewAt)) });
    this.#onRenew?.(identifier);
    return sig;
  }

  /** Drops the cached UserSig so the next call signs afresh (after an auth error code). */
  invalidate(identifier: string): void {
    this.#cache.delete(identifier);
  }

  toJSON(): object {
    return { sdkAppId: this.#sdkAppId, cached: [...this.#cache.keys()] };
  }
}
