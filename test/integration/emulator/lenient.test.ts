/**
 * What the service accepts, the emulator accepts: the body's format is named by the query string
 * (`contenttype=json`), not by a Content-Type header; a byte-order mark, unknown query parameters,
 * a parameter repeated with the same value and extra slashes in the path are tolerated. The
 * refusals the vendor documents stay. docs/emulator.md lists each choice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP, body, ids, item, postExactly, raw, start, validQuery, type Harness } from './support.js';

const IMPORT = 'v4/sns/friend_import';
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

describe('emulator: accepts what the service accepts', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob', 'carol', 'dave', ...ids('c', 10), ...ids('s', 10)] });
  });
  after(() => h.emulator.close());

  const friend = (from: string, to: string) => h.emulator.friendsOf(from).find((f) => f.To_Account === to);

  it('imports a JSON body posted with no Content-Type header at all (node:http, byte for byte)', async () => {
    const payload = JSON.stringify(body('alice', [item('bob', { Remark: 'no header' })]));
    const r = await postExactly(h.emulator.baseUrl, `/${IMPORT}?${validQuery()}`, payload);
    assert.ok(!r.sentHeaders.includes('content-type'), `sent only ${r.sentHeaders.join(', ')}`);
    assert.equal(r.status, 200);
    assert.equal(r.json?.ErrorCode, 0, r.text);
    assert.equal(r.json?.ActionStatus, 'OK');
    assert.deepEqual(r.json?.ResultItem, [{ To_Account: 'bob', ResultCode: 0, ResultInfo: '' }]);
    assert.equal(friend('alice', 'bob')?.Remark, 'no header');
  });

  it('imports a JSON body posted as application/x-www-form-urlencoded (node:http, byte for byte)', async () => {
    const payload = JSON.stringify(body('alice', [item('carol', { Remark: 'form type' })]));
    const r = await postExactly(h.emulator.baseUrl, `/${IMPORT}?${validQuery()}`, payload, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    assert.deepEqual(r.sentHeaders.sort(), ['content-length', 'content-type', 'host']);
    assert.equal(r.status, 200);
    assert.equal(r.json?.ErrorCode, 0, r.text);
    assert.deepEqual(r.json?.ResultItem, [{ To_Account: 'carol', ResultCode: 0, ResultInfo: '' }]);
    assert.equal(friend('alice', 'carol')?.Remark, 'form type');
  });

  it('ignores any other Content-Type and charset: the body is read as UTF-8 JSON', async () => {
    const types = [
      'text/plain',
      'application/xml',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/json; charset=iso-8859-1',
      'Application/JSON; charset="UTF-8"',
      'not a media type',
    ];
    for (const [i, type] of types.entries()) {
      const to = `c${i}`;
      const remark = `café 中文 ${i}`;
      const r = await raw(
        h.emulator.baseUrl,
        IMPORT,
        JSON.stringify(body('dave', [item(to, { Remark: remark })])),
        {
          headers: { 'content-type': type },
        },
      );
      assert.equal(r.json?.ErrorCode, 0, `${type} → ${r.text}`);
      assert.equal(friend('dave', to)?.Remark, remark, `${type}: decoded as UTF-8`);
    }
  });

  it('a body that is not UTF-8 JSON still gets 60003, whatever the Content-Type says', async () => {
    const form = await postExactly(
      h.emulator.baseUrl,
      `/${IMPORT}?${validQuery()}`,
      'From_Account=alice&To_Account=bob',
      {
        'Content-Type': 'application/x-www-form-urlencoded',
      },
    );
    assert.equal(form.json?.ErrorCode, 60003, form.text);
    const latin1 = Buffer.from(
      JSON.stringify(body('alice', [item('s0', { Remark: 'caf\u00e9' })])),
      'latin1',
    );
    const r = await postExactly(h.emulator.baseUrl, `/${IMPORT}?${validQuery()}`, latin1, {
      'Content-Type': 'application/json; charset=iso-8859-1',
    });
    assert.equal(r.json?.ErrorCode, 60003, r.text);
    assert.match(String(r.json?.ErrorInfo), /UTF-8/);
    assert.equal(friend('alice', 's0'), undefined);
  });

  it('skips a UTF-8 byte-order mark before the JSON, and the stored friend reads back', async () => {
    const json = Buffer.from(JSON.stringify(body('alice', [item('s1', { Remark: 'bom' })])));
    const r = await postExactly(
      h.emulator.baseUrl,
      `/${IMPORT}?${validQuery()}`,
      Buffer.concat([BOM, json]),
      {
        'Content-Type': 'application/json',
      },
    );
    assert.equal(r.json?.ErrorCode, 0, r.text);
    assert.equal(friend('alice', 's1')?.Remark, 'bom');
    const listed = await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
    assert.ok(listed.UserDataItem?.some((f) => f.To_Account === 's1'));
    const account = await postExactly(
      h.emulator.baseUrl,
      `/v4/im_open_login_svc/account_check?${validQuery()}`,
      Buffer.concat([BOM, Buffer.from('{"CheckItem":[{"UserID":"s1"}]}')]),
    );
    assert.equal(account.json?.ErrorCode, 0, account.text);
    const onlyBom = await postExactly(h.emulator.baseUrl, `/${IMPORT}?${validQuery()}`, BOM);
    assert.equal(onlyBom.json?.ErrorCode, 60003, 'a BOM alone is an empty body');
  });

  it('ignores query parameters it does not know', async () => {
    const r = await raw(h.emulator.baseUrl, IMPORT, JSON.stringify(body('alice', [item('s2')])), {
      appendQuery: 'trace=abc-123&lang=en&flag&=x',
    });
    assert.equal(r.json?.ErrorCode, 0, r.text);
    assert.ok(friend('alice', 's2'));
  });

  it('a parameter repeated with the same value counts once; with different values → 60002', async () => {
    const payload = JSON.stringify(body('alice', [item('s3')]));
    const same = await raw(h.emulator.baseUrl, IMPORT, payload, {
      appendQuery: `sdkappid=${APP.sdkAppId}&identifier=${APP.adminIdentifier}&contenttype=json`,
    });
    assert.equal(same.json?.ErrorCode, 0, same.text);
    for (const extra of ['sdkappid=1400000001', 'identifier=ops', 'contenttype=xml', 'random=x']) {
      const r = await raw(h.emulator.baseUrl, IMPORT, payload, { appendQuery: extra });
      assert.equal(r.json?.ErrorCode, 60002, `${extra} → ${r.text}`);
      assert.match(String(r.json?.ErrorInfo), /more than once, with different values/);
    }
  });

  it('accepts trailing and repeated slashes in the path', async () => {
    const targets = [`/${IMPORT}/`, `//${IMPORT}`, `/v4//sns/friend_import`, `/v4/sns//friend_import//`];
    for (const [i, path] of targets.entries()) {
      const payload = JSON.stringify(body('bob', [item(`s${i + 4}`)]));
      const r = await postExactly(h.emulator.baseUrl, `${path}?${validQuery()}`, payload);
      assert.equal(r.json?.ErrorCode, 0, `${path} → ${r.text}`);
    }
    assert.equal(h.emulator.friendsOf('bob').length, targets.length);
    const check = await postExactly(
      h.emulator.baseUrl,
      `/v4/im_open_login_svc/account_check/?${validQuery()}`,
      '{"CheckItem":[{"UserID":"alice"}]}',
    );
    assert.equal(check.json?.ErrorCode, 0, check.text);
  });

  it('keeps the refusals: path and parameter names are case-sensitive, contenttype must be json, POST only', async () => {
    const payload = JSON.stringify(body('alice', [item('s9')]));
    for (const path of ['v4/SNS/friend_import', 'V4/sns/friend_import', 'v4/sns/Friend_Import']) {
      const r = await raw(h.emulator.baseUrl, path, payload);
      assert.equal(r.json?.ErrorCode, 60009, `${path} → ${r.text}`);
    }
    const upperName = validQuery().replace('sdkappid=', 'SDKAPPID=');
    const named = await postExactly(h.emulator.baseUrl, `/${IMPORT}?${upperName}`, payload);
    assert.equal(named.json?.ErrorCode, 60012, named.text);
    const upperValue = await raw(h.emulator.baseUrl, IMPORT, payload, { query: { contenttype: 'JSON' } });
    assert.equal(upperValue.json?.ErrorCode, 60002, upperValue.text);
    const put = await raw(h.emulator.baseUrl, IMPORT, payload, { method: 'PUT' });
    assert.equal(put.json?.ErrorCode, 60002, put.text);
    assert.equal(friend('alice', 's9'), undefined);
  });
});
