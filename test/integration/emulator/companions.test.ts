/** account_import, multiaccount_import, account_check, friend_get (paged), friend_check, friend_delete_all. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ImApiError } from '../../../im/index.js';
import { getAllFriends, importAccounts } from '../../../im/index.js';
import { body, ids, item, raw, start, type Harness } from './support.js';

describe('emulator: accounts', () => {
  let h: Harness;
  before(async () => {
    h = await start({ foreignAccounts: ['mallory'] });
  });
  after(() => h.emulator.close());

  it('account_import creates an account that friend_import then accepts', async () => {
    assert.equal((await h.client.friendImport(body('alice', [item('bob')]))).ErrorCode, 30003);
    await h.client.callOk('accountImport', {
      UserID: 'alice',
      Nick: 'Alice',
      FaceUrl: 'http://example.com/a.png',
    });
    await h.client.callOk('accountImport', { UserID: 'bob' });
    await h.client.callOk('accountImport', { UserID: 'bob' });
    const res = await h.client.friendImport(body('alice', [item('bob')]));
    assert.equal(res.ResultItem?.[0]?.ResultCode, 0);
  });

  it('account_import rejects a bad UserID (70402) and a profile value over 500 bytes (40601)', async () => {
    const tooLong = await h.client.call('accountImport', { UserID: 'x'.repeat(33) });
    assert.equal(tooLong.ErrorCode, 70402);
    assert.equal('ErrorDisplay' in tooLong, false);
    assert.equal((await h.client.call('accountImport', { UserID: '' })).ErrorCode, 70402);
    assert.equal(
      (await h.client.call('accountImport', { UserID: 'n', Nick: 'n'.repeat(501) })).ErrorCode,
      40601,
    );
    const wrongType = await raw(h.emulator.baseUrl, 'v4/im_open_login_svc/account_import', '{"UserID":5}');
    assert.equal(wrongType.json?.ErrorCode, 70402);
  });

  it('multiaccount_import takes both body forms, lists refused accounts in FailAccounts, and 1–100 per call', async () => {
    assert.deepEqual(await importAccounts(h.client, ids('m', 150)), []);
    const res = await h.client.call('multiAccountImport', {
      AccountList: [{ UserID: 'n1', Nick: 'N' }, { UserID: 'y'.repeat(40) }],
    });
    assert.equal(res.ErrorCode, 0);
    assert.deepEqual(res.FailAccounts, ['y'.repeat(40)]);
    const tooMany = await raw(
      h.emulator.baseUrl,
      'v4/im_open_login_svc/multiaccount_import',
      JSON.stringify({ Accounts: ids('z', 101) }),
    );
    assert.equal(tooMany.json?.ErrorCode, 70206);
    const none = await raw(h.emulator.baseUrl, 'v4/im_open_login_svc/multiaccount_import', '{"Accounts":[]}');
    assert.equal(none.json?.ErrorCode, 70206);
    const wrong = await raw(
      h.emulator.baseUrl,
      'v4/im_open_login_svc/multiaccount_import',
      '{"Accounts":[1]}',
    );
    assert.equal(wrong.json?.ErrorCode, 70402);
  });

  it('account_check reports Imported / NotImported (accounts of another app are not imported here)', async () => {
    const res = await h.client.callOk('accountCheck', {
      CheckItem: [
        { UserID: 'm0' },
        { UserID: 'm149' },
        { UserID: 'ghost' },
        { UserID: 'mallory' },
        { UserID: 'n1' },
      ],
    });
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.UserID, r.ResultCode, r.AccountStatus]),
      [
        ['m0', 0, 'Imported'],
        ['m149', 0, 'Imported'],
        ['ghost', 0, 'NotImported'],
        ['mallory', 0, 'NotImported'],
        ['n1', 0, 'Imported'],
      ],
    );
    const tooMany = await h.client.call('accountCheck', {
      CheckItem: ids('m', 101).map((UserID) => ({ UserID })),
    });
    assert.equal(tooMany.ErrorCode, 70206);
  });
});

describe('emulator: friend_get, friend_check, friend_delete_all', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob', 'carol', ...ids('f', 7)], friendGetPageSize: 3 });
    await h.client.friendImport(
      body('alice', [
        item('f0', { Remark: 'r0', GroupName: ['g1', 'g2'], AddTime: 1_563_867_420, AddWording: 'hi' }),
        item('f1', { CustomItem: [{ Tag: 'Tag_SNS_Custom_Test', Value: 'CustomData1' }] }),
        ...ids('f', 5, 2).map((to) => item(to)),
        item('bob'),
      ]),
    );
    await h.client.friendImport(body('bob', [item('alice'), item('carol')]));
  });
  after(() => h.emulator.close());

  it('friend_get pages through the list (NextStartIndex, CompleteFlag) with the vendor tags', async () => {
    const page1 = await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
    assert.equal(page1.FriendNum, 8);
    assert.equal(page1.CompleteFlag, 0);
    assert.equal(page1.NextStartIndex, 3);
    assert.deepEqual(page1.UserDataItem?.[0], {
      To_Account: 'f0',
      ValueItem: [
        { Tag: 'Tag_SNS_IM_AddSource', Value: 'AddSource_Type_Test' },
        { Tag: 'Tag_SNS_IM_Remark', Value: 'r0' },
        { Tag: 'Tag_SNS_IM_Group', Value: ['g1', 'g2'] },
        { Tag: 'Tag_SNS_IM_AddWording', Value: 'hi' },
        { Tag: 'Tag_SNS_IM_AddTime', Value: 1_563_867_420 },
      ],
    });
    const custom = page1.UserDataItem?.[1]?.ValueItem;
    assert.deepEqual(custom?.at(-1), { Tag: 'Tag_SNS_Custom_Test', Value: 'CustomData1' });
    assert.equal(
      typeof custom?.find((v) => v.Tag === 'Tag_SNS_IM_AddTime')?.Value,
      'number',
      'AddTime defaults to the import time',
    );
    const last = await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 6 });
    assert.equal(last.CompleteFlag, 1);
    assert.equal(last.NextStartIndex, 0);
    assert.deepEqual(
      last.UserDataItem?.map((u) => u.To_Account),
      ['f6', 'bob'],
    );
    const all = await getAllFriends(h.client, 'alice');
    assert.deepEqual(
      all.map((f) => f.toAccount),
      ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'bob'],
    );
  });

  it('friend_get omits the fields whose sequence the caller already holds', async () => {
    const full = await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
    const same = await h.client.callOk('friendGet', {
      From_Account: 'alice',
      StartIndex: 0,
      StandardSequence: full.StandardSequence,
      CustomSequence: full.CustomSequence,
    });
    assert.ok((full.StandardSequence ?? 0) > 0);
    assert.deepEqual(same.UserDataItem?.[1]?.ValueItem, []);
  });

  it('friend_get: empty list, unknown user (30003), bad body (30001)', async () => {
    const empty = await h.client.callOk('friendGet', { From_Account: 'carol', StartIndex: 0 });
    assert.deepEqual([empty.FriendNum, empty.CompleteFlag, empty.UserDataItem], [0, 1, []]);
    await assert.rejects(
      h.client.callOk('friendGet', { From_Account: 'ghost', StartIndex: 0 }),
      (e: ImApiError) => e.code === 30003,
    );
    const bad = await raw(h.emulator.baseUrl, 'v4/sns/friend_get', '{"From_Account":"alice"}');
    assert.equal(bad.json?.ErrorCode, 30001);
  });

  it('friend_check: Single and Both relations; an invalid To_Account fails alone', async () => {
    const single = await h.client.callOk('friendCheck', {
      From_Account: 'alice',
      To_Account: ['f0', 'carol', 'bob'],
      CheckType: 'CheckResult_Type_Single',
    });
    assert.deepEqual(
      single.InfoItem?.map((i) => [i.To_Account, i.Relation, i.ResultCode]),
      [
        ['f0', 'CheckResult_Type_AWithB', 0],
        ['carol', 'CheckResult_Type_NoRelation', 0],
        ['bob', 'CheckResult_Type_AWithB', 0],
      ],
    );
    const both = await h.client.callOk('friendCheck', {
      From_Account: 'bob',
      To_Account: ['alice', 'carol', 'f0', 'x'.repeat(33)],
      CheckType: 'CheckResult_Type_Both',
    });
    assert.deepEqual(
      both.InfoItem?.map((i) => [i.To_Account.slice(0, 5), i.Relation, i.ResultCode]),
      [
        ['alice', 'CheckResult_Type_BothWay', 0],
        ['carol', 'CheckResult_Type_AWithB', 0],
        ['f0', 'CheckResult_Type_NoRelation', 0],
        ['xxxxx', 'CheckResult_Type_NoRelation', 30001],
      ],
    );
    assert.deepEqual(both.Fail_Account, ['x'.repeat(33)]);
    const reverse = await h.client.callOk('friendCheck', {
      From_Account: 'carol',
      To_Account: ['bob'],
      CheckType: 'CheckResult_Type_Both',
    });
    assert.equal(reverse.InfoItem?.[0]?.Relation, 'CheckResult_Type_BWithA');
    const bad = await h.client.call('friendCheck', {
      From_Account: 'bob',
      To_Account: ['a'],
      CheckType: 'x' as never,
    });
    assert.equal(bad.ErrorCode, 30001);
  });

  it('friend_delete_all: Single clears only the list; Both also removes the user from each friend', async () => {
    await h.client.callOk('friendDeleteAll', { From_Account: 'alice' });
    assert.deepEqual(h.emulator.friendsOf('alice'), []);
    assert.equal(h.emulator.friendsOf('bob').length, 2, "bob's list is untouched");
    await h.client.friendImport(body('alice', [item('bob')]));
    await h.client.callOk('friendDeleteAll', { From_Account: 'bob', DeleteType: 'Delete_Type_Both' });
    assert.deepEqual(h.emulator.friendsOf('bob'), []);
    assert.deepEqual(h.emulator.friendsOf('alice'), [], 'alice no longer lists bob');
    const again = await h.client.callOk('friendGet', { From_Account: 'bob', StartIndex: 0 });
    assert.equal(again.FriendNum, 0);
    assert.equal((await h.client.call('friendDeleteAll', { From_Account: 'ghost' })).ErrorCode, 30003);
    const groups = await h.client.friendImport(body('alice', [item('f0', { GroupName: ids('grp', 32) })]));
    assert.equal(groups.ResultItem?.[0]?.ResultCode, 0, 'delete_all also cleared the groups');
  });
});
