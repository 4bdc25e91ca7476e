import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import { describe, it, mock } from 'node:test';
import { decodeUserSig, genUserSig, UserSigCache, verifyUserSig } from '../../../im/index.js';

// The vendor's own package is the oracle (devDependency).
const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as {
  Api: new (sdkappid: number, key: string) => { genUserSig(id: string, expire: number): string };
};

// Test vectors: UserSigs for this app, key and time as the vendor's TLSSigAPIv2 libraries make them.
const SDKAPPID = 1400000000;
const KEY = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const T0 = 1700000000;
const VECTOR1 =
  'eJxVyjELwjAUBOD-8mYpqUSNAZd2kNbooqJr5KX2UZqGNNaA*N*FWgdvu*-uBSd1TAbjQcI8YTAbO6GxgSoaWWNLlvrgdej8dOix0c4Rgkw5m-JdArUGZLr6VxMdeQNSLPmPerqDhLV*XsxZiX2Mt8wKrDNWDo*Olbui5njIVbMtrtwuKmQbeH8Atbkz1Q__';
const VECTOR1_PYTHON =
  'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwokpuZl5mcUlRYkl*UVQBcUp2YkFBZkpSlaGJgZQAJEpycxNBYqao4qmVhRkFgHFLcxMYELFmelAwy0Ty8NTQ30sfCsqkpzyLFIynAy8ykrzDby8PTNMUvycfbLdPSNM8kzTUgxslWoBtbkz1Q__';
const VECTOR1_JSON =
  '{"TLS.ver":"2.0","TLS.identifier":"administrator","TLS.sdkappid":1400000000,"TLS.time":1700000000,"TLS.expire":86400,"TLS.sig":"9awWeUL8MxxbBn8dhB0Jvuo0JKIh4dNCLkGIX4n5fd0="}';
const VECTOR2 =
  'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwqXFqUXxBgaGULnilOzEgoLMFCUrQxMDKIDIlGTmpipZGZqjiqZWFGQWgcRNTU2N4KLFmelKVkq*xeZ5hdkhIUWZfhbJERaZJpmWKZVGnmERmfpmfpmJbmmmFVEZxRWBxlGOtkq1AItFMgI_';

const admin = { sdkAppId: SDKAPPID, identifier: 'administrator' };

function oracleSig(identifier: string, expire: number, nowSeconds: number): string {
  const restore = mock.method(Date, 'now', () => nowSeconds * 1000);
  try {
    return new TLSSigAPIv2.Api(SDKAPPID, KEY).genUserSig(identifier, expire);
  } finally {
    restore.mock.restore();
  }
}

function escape(b64: string): string {
  return b64.replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

describe('UserSig (TLSSigAPIv2)', () => {
  it('reproduces the reference vectors byte for byte', () => {
    assert.equal(genUserSig(KEY, { ...admin, expireSeconds: 86400, nowSeconds: T0 }), VECTOR1);
    assert.equal(
      genUserSig(KEY, {
        sdkAppId: SDKAPPID,
        identifier: 'user_001',
        expireSeconds: 15552000,
        nowSeconds: T0,
      }),
      VECTOR2,
    );
    assert.equal(JSON.stringify(decodeUserSig(VECTOR1)), VECTOR1_JSON);
  });

  it('verifies a sig compressed by another zlib (Python) just the same', () => {
    assert.deepEqual(verifyUserSig(KEY, VECTOR1_PYTHON, { ...admin, nowSeconds: T0 + 10 }), {
      ok: true,
      expiresAt: T0 + 86400,
    });
  });

  it('oracle → ours: we accept what the vendor library signs', () => {
    for (const [identifier, expire] of [
      ['administrator', 86400],
      ['user_001', 15552000],
      ['a-b_c', 1],
    ] as const) {
      const sig = oracleSig(identifier, expire, T0 + 123);
      assert.deepEqual(verifyUserSig(KEY, sig, { sdkAppId: SDKAPPID, identifier, nowSeconds: T0 + 123 }), {
        ok: true,
        expiresAt: T0 + 123 + expire,
      });
    }
  });

  it('ours → oracle: we sign exactly what the vendor library signs', () => {
    for (const identifier of ['administrator', 'user_001', 'x'.repeat(32)]) {
      const ours = genUserSig(KEY, {
        sdkAppId: SDKAPPID,
        identifier,
        expireSeconds: 604800,
        nowSeconds: T0 + 7,
      });
      const theirs = oracleSig(identifier, 604800, T0 + 7);
      assert.deepEqual(decodeUserSig(ours), decodeUserSig(theirs));
      assert.equal(ours, theirs, 'same runtime zlib, same JSON: same string');
    }
  });

  it('rejects expired, wrong identifier, wrong SDKAppID, wrong key, tampered, empty and garbage sigs', () => {
    const at = (nowSeconds: number) => ({ ...admin, nowSeconds });
    assert.equal(verifyUserSig(KEY, VECTOR1, at(T0 + 86400)).ok, true, 'valid through the last second');
    assert.deepEqual(verifyUserSig(KEY, VECTOR1, at(1700086401)), {
      ok: false,
      code: 70001,
      reason: 'expired',
    });
    assert.deepEqual(verifyUserSig(KEY, VECTOR1, { ...at(T0), sdkAppId: 1400000001 }), {
      ok: false,
      code: 70014,
      reason: 'sdkappid mismatch',
    });
    assert.deepEqual(verifyUserSig(KEY.replace('0', '1'), VECTOR1, at(T0)), {
      ok: false,
      code: 70009,
      reason: 'signature mismatch',
    });

    // Extend the expiry without re-signing: the HMAC no longer matches.
    const doc = { ...(JSON.parse(VECTOR1_JSON) as object), 'TLS.expire': 999999999 };
    const tampered = escape(deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64'));
    assert.deepEqual(verifyUserSig(KEY, tampered, at(T0)), {
      ok: false,
      code: 70009,
      reason: 'signature mismatch',
    });

    assert.deepEqual(verifyUserSig(KEY, '', at(T0)), { ok: false, code: 70002, reason: 'empty' });
    assert.deepEqual(verifyUserSig(KEY, VECTOR1.slice(0, 60), at(T0)), {
      ok: false,
      code: 70003,
      reason: 'undecodable',
    });
    assert.deepEqual(verifyUserSig(KEY, 'not a sig!', at(T0)), {
      ok: false,
      code: 70003,
      reason: 'undecodable',
    });
  });

  it('identifier mismatch answers 70013', () => {
    assert.deepEqual(
      verifyUserSig(KEY, VECTOR1, { sdkAppId: SDKAPPID, identifier: 'other', nowSeconds: T0 }),
      {
        ok: false,
        code: 70013,
        reason: 'identifier mismatch',
      },
    );
  });
});

describe('UserSigCache', () => {
  it('reuses a sig per identifier and renews it at half its validity', () => {
    let now = T0;
    const renewed: string[] = [];
    const cache = new UserSigCache({
      sdkAppId: SDKAPPID,
      secretKey: KEY,
      expireSeconds: 1000,
      now: () => now,
      onRenew: (id) => renewed.push(id),
    });
    const first = cache.get('administrator');
    now += 499;
    assert.equal(cache.get('administrator'), first);
    assert.notEqual(cache.get('other'), first);
    now += 1;
    const second = cache.get('administrator');
    assert.notEqual(second, first);
    assert.equal(verifyUserSig(KEY, second, { ...admin, nowSeconds: now + 999 }).ok, true);
    cache.invalidate('administrator');
    now += 1;
    assert.notEqual(cache.get('administrator'), second);
    assert.deepEqual(renewed, ['administrator', 'other', 'administrator', 'administrator']);
  });

  it('never shows the secret key', () => {
    const cache = new UserSigCache({ sdkAppId: SDKAPPID, secretKey: KEY });
    cache.get('administrator');
    assert.ok(!JSON.stringify(cache).includes(KEY));
    assert.ok(!String(Object.values(cache)).includes(KEY));
  });
});
