/** Garbage in: wrong bodies, a 10 MB body, clients that hang up. Vendor codes out, and the server keeps serving. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { body, getJson, item, raw, start, type Harness } from './support.js';

const IMPORT = 'v4/sns/friend_import';
const ACCOUNT = 'v4/im_open_login_svc/account_import';

describe('emulator: bad requests get vendor codes and the server keeps serving', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob'] });
  });
  after(() => h.emulator.close());

  const stillServing = async (): Promise<void> => {
    const r = await h.client.friendImport(body('alice', [item('bob')]));
    assert.equal(r.ErrorCode, 0, 'a valid call right after still works');
  };

  it('bodies that are not JSON → 60003', async () => {
    for (const payload of ['{{{', 'null garbage', '{"From_Account":"alice",', '\u00ff\u00fe', '']) {
      const r = await raw(h.emulator.baseUrl, IMPORT, payload);
      assert.equal(r.status, 200);
      assert.equal(r.json?.ErrorCode, 60003, `${JSON.stringify(payload)} → ${r.text}`);
      assert.equal(r.json?.ActionStatus, 'FAIL');
    }
    const notUtf8 = await raw(
      h.emulator.baseUrl,
      IMPORT,
      new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    );
    assert.equal(notUtf8.json?.ErrorCode, 60003);
    assert.match(String(notUtf8.json?.ErrorInfo), /UTF-8/);
    await stillServing();
  });

  it('JSON that is not an object: friend APIs 30001, account APIs 70402', async () => {
    for (const payload of ['[]', '"text"', '42', 'null', 'true']) {
      assert.equal((await raw(h.emulator.baseUrl, IMPORT, payload)).json?.ErrorCode, 30001, payload);
      assert.equal(
        (await raw(h.emulator.baseUrl, 'v4/sns/friend_get', payload)).json?.ErrorCode,
        30001,
        payload,
      );
      assert.equal((await raw(h.emulator.baseUrl, ACCOUNT, payload)).json?.ErrorCode, 70402, payload);
    }
    await stillServing();
  });

  it('a 10 MB body → 60002 (over the 1 MiB limit), read to the end, and the connection stays usable', async () => {
    const huge = JSON.stringify(body('alice', [item('bob', { Remark: 'x'.repeat(10 * 1024 * 1024) })]));
    const r = await raw(h.emulator.baseUrl, IMPORT, huge);
    assert.equal(r.status, 200);
    assert.equal(r.json?.ErrorCode, 60002);
    assert.match(String(r.json?.ErrorInfo), /larger than 1048576 bytes/);
    assert.deepEqual(
      h.emulator.friendsOf('alice').filter((f) => f.Remark !== undefined),
      [],
    );
    await stillServing();
  });

  it('a burst of bad requests in parallel does not disturb valid ones', async () => {
    const bad = Array.from({ length: 30 }, (_, i) =>
      raw(h.emulator.baseUrl, i % 2 ? IMPORT : 'v4/nope', i % 3 ? '{{' : '[1]', {
        headers: { 'content-type': i % 5 ? 'application/json' : 'text/html' },
      }),
    );
    const good = Array.from({ length: 5 }, () =>
      h.client.callOk('accountCheck', { CheckItem: [{ UserID: 'alice' }] }),
    );
    const answers = await Promise.all(bad);
    assert.ok(
      answers.every(
        (a) => a.status === 200 && typeof a.json?.ErrorCode === 'number' && a.json.ErrorCode !== 0,
      ),
    );
    for (const g of await Promise.all(good)) assert.equal(g.ResultItem?.[0]?.AccountStatus, 'Imported');
    const health = await getJson<{ ok: boolean }>(h.emulator.baseUrl, '__emulator/health');
    assert.equal(health.body.ok, true);
    await stillServing();
  });

  it('a client that hangs up halfway through its body does not disturb the server', async () => {
    const url = new URL('v4/sns/friend_import?sdkappid=1', h.emulator.baseUrl);
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'POST', headers: { 'content-length': '100000' } });
      req.on('error', () => resolve());
      req.write('{"From_Account":"alice","AddFriendItem":[', () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    await stillServing();
  });

  it('unknown /__emulator/ paths are plain 404s, not vendor answers', async () => {
    const r = await getJson<{ ok: boolean }>(h.emulator.baseUrl, '__emulator/nothing');
    assert.equal(r.status, 404);
    const m = await getJson<{ ok: boolean }>(h.emulator.baseUrl, '__emulator/stats', { method: 'DELETE' });
    assert.equal(m.status, 405);
  });
});
