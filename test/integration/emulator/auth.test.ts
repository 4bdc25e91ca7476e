/** The common checks every vendor route makes: path, method, query string and UserSig, with the vendor's codes. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { genUserSig } from '../../../im/index.js';
import { APP, body, clientFor, item, raw, start, type Harness } from './support.js';

const PATH = 'v4/sns/friend_import';
const payload = JSON.stringify(body('alice', [item('bob')]));
const sig = (p: {
  sdkAppId?: number;
  identifier?: string;
  key?: string;
  expire?: number;
  now?: number;
}): string =>
  genUserSig(p.key ?? APP.secretKey, {
    sdkAppId: p.sdkAppId ?? APP.sdkAppId,
    identifier: p.identifier ?? APP.adminIdentifier,
    expireSeconds: p.expire ?? 3600,
    nowSeconds: p.now,
  });

describe('emulator: URL, query string and UserSig', () => {
  let h: Harness;
  before(async () => {
    h = await start({
      accounts: ['alice', 'bob'],
      adminIdentifiers: [APP.adminIdentifier, 'ops'],
      recordCalls: true,
    });
  });
  after(() => h.emulator.close());

  const expectCode = async (code: number, options: Parameters<typeof raw>[3], path = PATH): Promise<void> => {
    const r = await raw(h.emulator.baseUrl, path, payload, options);
    assert.equal(r.status, 200, 'business errors are HTTP 200');
    assert.equal(r.json?.ActionStatus, 'FAIL');
    assert.equal(r.json?.ErrorCode, code, `${JSON.stringify(options)} → ${r.text}`);
  };

  it('accepts a well-formed call from the im/ client, and from a second admin', async () => {
    const res = await h.client.friendImport(body('alice', [item('bob')]));
    assert.equal(res.ErrorCode, 0);
    const ops = await raw(h.emulator.baseUrl, PATH, payload, {
      query: { identifier: 'ops' },
      userSig: sig({ identifier: 'ops' }),
    });
    assert.equal(ops.json?.ErrorCode, 0, ops.text);
  });

  it('unknown path → 60009', async () => {
    await expectCode(60009, {}, 'v4/sns/friend_add_everyone');
    await expectCode(60009, {}, 'v4/sns/friend_import/extra');
  });

  it('method other than POST → 60002', async () => {
    const r = await raw(h.emulator.baseUrl, PATH, undefined, { method: 'GET' });
    assert.equal(r.json?.ErrorCode, 60002);
  });

  it('sdkappid missing → 60012, not a number → 60006, unknown → 70020, repeated with another value → 60002', async () => {
    await expectCode(60012, { query: { sdkappid: undefined } });
    await expectCode(60012, { query: { sdkappid: '' } });
    await expectCode(60006, { query: { sdkappid: 'abc' } });
    await expectCode(70020, { query: { sdkappid: '1400000001' } });
    await expectCode(60002, { appendQuery: 'sdkappid=1400000001' });
  });

  it('identifier missing or not an App admin → 60010', async () => {
    await expectCode(60010, { query: { identifier: undefined } });
    await expectCode(60010, { query: { identifier: 'alice' }, userSig: sig({ identifier: 'alice' }) });
  });

  it('usersig: empty 70002, undecodable 70003, expired 70001', async () => {
    await expectCode(70002, { query: { usersig: undefined } });
    await expectCode(70003, { userSig: 'not-a-usersig' });
    await expectCode(70003, { userSig: sig({}).slice(0, 40) });
    await expectCode(70001, { userSig: sig({ now: 1_700_000_000, expire: 60 }) });
  });

  it('usersig: made for another identifier 70013, another SDKAppID 70014, another key 70009', async () => {
    await expectCode(70013, { userSig: sig({ identifier: 'ops' }) });
    await expectCode(70014, { userSig: sig({ sdkAppId: 1400000001 }) });
    await expectCode(70009, { userSig: sig({ key: 'some-other-apps-secret-key' }) });
  });

  it('random must be a uint32 and contenttype json → else 60002', async () => {
    await expectCode(60002, { query: { random: undefined } });
    await expectCode(60002, { query: { random: '-1' } });
    await expectCode(60002, { query: { random: '4294967296' } });
    await expectCode(60002, { query: { random: 'x' } });
    await expectCode(60002, { query: { contenttype: undefined } });
    await expectCode(60002, { query: { contenttype: 'xml' } });
    const ok = await raw(h.emulator.baseUrl, PATH, payload, { query: { random: '4294967295' } });
    assert.equal(ok.json?.ErrorCode, 0);
  });

  it('the companion routes check the query string too', async () => {
    const r = await raw(
      h.emulator.baseUrl,
      'v4/im_open_login_svc/account_check',
      '{"CheckItem":[{"UserID":"a"}]}',
      {
        query: { sdkappid: undefined },
      },
    );
    assert.equal(r.json?.ErrorCode, 60012);
    assert.equal('ErrorDisplay' in (r.json ?? {}), false, 'account APIs carry no ErrorDisplay');
  });

  it('counts every answer by route and code', () => {
    const stats = h.emulator.stats();
    const codes = stats.byRoute[PATH] ?? {};
    for (const code of [
      '0',
      '60012',
      '60006',
      '70020',
      '60010',
      '70001',
      '70002',
      '70003',
      '70009',
      '70013',
      '70014',
    ])
      assert.ok((codes[code] ?? 0) > 0, `code ${code} counted: ${JSON.stringify(codes)}`);
    assert.ok((stats.byRoute['(unknown)']?.['60009'] ?? 0) >= 2);
    assert.ok(stats.friendImport.calls >= 20, 'every friend_import request counts, whatever the answer');
    const calls = h.emulator.calls();
    assert.deepEqual(
      calls.map((c) => c.seq),
      calls.map((_, i) => i + 1),
      'the call log has every friend_import request, refused ones too',
    );
    assert.ok(calls.some((c) => c.errorCode === 70009 && c.fromAccount === ''));
    assert.ok(clientFor(h.emulator.baseUrl));
  });
});
