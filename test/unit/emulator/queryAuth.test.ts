import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { genUserSig } from '../../../im/node/userSig.js';
import { QueryAuth } from '../../../emulator/queryAuth.js';

const KEY = 'unit-key';
const auth = new QueryAuth({ sdkAppId: 1400000000, adminIdentifiers: new Set(['admin']), secretKey: KEY });
const query = (sig: string): string =>
  new URLSearchParams({
    sdkappid: '1400000000',
    identifier: 'admin',
    usersig: sig,
    random: '1',
    contenttype: 'json',
  }).toString();

describe('QueryAuth', () => {
  it('re-checks the expiry of a cached UserSig on every call', () => {
    const sig = genUserSig(KEY, {
      sdkAppId: 1400000000,
      identifier: 'admin',
      expireSeconds: 100,
      nowSeconds: 1_000,
    });
    assert.deepEqual(auth.check(query(sig), 1_050), { ok: true });
    assert.deepEqual(auth.check(query(sig), 1_100), { ok: true }, 'cached, still valid at the last second');
    const late = auth.check(query(sig), 1_101);
    assert.equal(late.ok === false && late.code, 70001);
  });

  it('does not let a verified UserSig stand in for another identifier', () => {
    const multi = new QueryAuth({ sdkAppId: 1, adminIdentifiers: new Set(['a', 'b']), secretKey: KEY });
    const sigA = genUserSig(KEY, { sdkAppId: 1, identifier: 'a', expireSeconds: 100 });
    const q = (identifier: string): string =>
      new URLSearchParams({
        sdkappid: '1',
        identifier,
        usersig: sigA,
        random: '7',
        contenttype: 'json',
      }).toString();
    assert.deepEqual(multi.check(q('a')), { ok: true });
    const asB = multi.check(q('b'));
    assert.equal(asB.ok === false && asB.code, 70013);
  });

  it('counts a parameter repeated with the same value once, refuses different values with 60002, ignores unknown names', () => {
    const sig = genUserSig(KEY, { sdkAppId: 1400000000, identifier: 'admin', expireSeconds: 100 });
    const base = query(sig);
    for (const extra of [
      'sdkappid=1400000000',
      'identifier=admin',
      `usersig=${sig}`,
      'random=1',
      'contenttype=json',
    ])
      assert.deepEqual(auth.check(`${base}&${extra}`), { ok: true }, extra);
    for (const name of ['sdkappid', 'identifier', 'usersig', 'random', 'contenttype']) {
      const r = auth.check(`${base}&${name}=other`);
      assert.equal(r.ok === false && r.code, 60002, name);
      assert.match(r.ok === false ? r.info : '', new RegExp(`^${name} is given more than once`));
    }
    assert.deepEqual(
      auth.check(`${base}&trace=1&SDKAPPID=7&Random=x`),
      { ok: true },
      'other names are not ours',
    );
    const renamed = auth.check(base.replace('sdkappid=', 'SdkAppId='));
    assert.equal(renamed.ok === false && renamed.code, 60012, 'names are case-sensitive');
  });
});
