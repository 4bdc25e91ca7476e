import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyUpdate, judgeDelete, judgeUpdate, WRITE_INFO } from '../../../emulator/friendWriteRules.js';
import { API_RATE_DEFAULTS, apiLimiters, resolveWriteOptions } from '../../../emulator/writeOptions.js';
import type { AddFriendItem, UpdateItem } from '../../../im/index.js';

const friend = (to: string, fields: Partial<AddFriendItem> = {}): AddFriendItem => ({
  To_Account: to,
  AddSource: 'AddSource_Type_Test',
  ...fields,
});
const rules = { maxGroups: 3, sensitiveWords: ['bad'] };
const upd = (to: string, ...SnsItem: UpdateItem['SnsItem']): UpdateItem => ({ To_Account: to, SnsItem });

describe('applyUpdate', () => {
  it('sets the remark, replaces the groups (an empty list removes them), sets or adds custom tags', () => {
    const before = friend('b', {
      Remark: 'r',
      GroupName: ['a'],
      AddWording: 'w',
      CustomItem: [
        { Tag: 'Tag_SNS_Custom_A', Value: '1' },
        { Tag: 'Tag_SNS_Custom_B', Value: '2' },
      ],
    });
    const after = applyUpdate(
      before,
      upd(
        'b',
        { Tag: 'Tag_SNS_IM_Remark', Value: 'r2' },
        { Tag: 'Tag_SNS_IM_Group', Value: ['x', 'y', 'x'] },
        { Tag: 'Tag_SNS_Custom_A', Value: '9' },
        { Tag: 'Tag_SNS_Custom_C', Value: 3 },
      ),
    );
    assert.equal(after.Remark, 'r2');
    assert.deepEqual(after.GroupName, ['x', 'y']);
    assert.equal(after.AddWording, 'w');
    assert.deepEqual(after.CustomItem, [
      { Tag: 'Tag_SNS_Custom_B', Value: '2' },
      { Tag: 'Tag_SNS_Custom_A', Value: '9' },
      { Tag: 'Tag_SNS_Custom_C', Value: 3 },
    ]);
    assert.equal(applyUpdate(before, upd('b', { Tag: 'Tag_SNS_IM_Group', Value: [] })).GroupName, undefined);
    assert.deepEqual(before.GroupName, ['a'], 'the input is not changed');
  });
});

describe('judgeUpdate', () => {
  const friends = new Map([
    ['b', friend('b')],
    ['c', friend('c')],
  ]);
  it('not a friend, self, bad fields, unconfigured tags → 30001; sensitive words → 30005; order kept', () => {
    const v = judgeUpdate(
      'a',
      [
        upd('z', { Tag: 'Tag_SNS_IM_Remark', Value: 'x' }),
        upd('a', { Tag: 'Tag_SNS_IM_Remark', Value: 'x' }),
        upd('b', { Tag: 'Tag_SNS_IM_Remark', Value: 'x'.repeat(97) }),
        upd('b', { Tag: 'Tag_SNS_IM_Group', Value: [''] }),
        upd('b', { Tag: 'Tag_SNS_Custom_Nope', Value: 'x' }),
        upd('b', { Tag: 'Tag_SNS_Custom_TooLongName', Value: 'x' }),
        upd('b', { Tag: 'Tag_SNS_IM_Remark', Value: 'x' }, { Tag: 'Tag_SNS_IM_Remark', Value: 'y' }),
        upd('c', { Tag: 'Tag_SNS_IM_Remark', Value: 'so BAD' }),
        upd('c', { Tag: 'Tag_SNS_Custom_Ok', Value: 'fine' }),
      ],
      friends,
      new Set(),
      { ...rules, customTags: new Set(['Tag_SNS_Custom_Ok']) },
    );
    assert.deepEqual(
      v.results.map((r) => [r.To_Account, r.ResultCode, r.ResultInfo]),
      [
        ['z', 30001, WRITE_INFO.updateNotFriend],
        ['a', 30001, WRITE_INFO.updateParam],
        ['b', 30001, WRITE_INFO.updateParam],
        ['b', 30001, WRITE_INFO.updateParam],
        ['b', 30001, WRITE_INFO.updateField],
        ['b', 30001, WRITE_INFO.updateField],
        ['b', 30001, WRITE_INFO.updateParam],
        ['c', 30005, WRITE_INFO.updateSensitive],
        ['c', 0, ''],
      ],
    );
    assert.deepEqual(v.failAccounts, ['z', 'a', 'b', 'b', 'b', 'b', 'b', 'c']);
    assert.deepEqual(v.written, [friend('c', { CustomItem: [{ Tag: 'Tag_SNS_Custom_Ok', Value: 'fine' }] })]);
  });

  it('a repeated To_Account builds on the earlier item; groups beyond the limit → 30011', () => {
    const v = judgeUpdate(
      'a',
      [
        upd('b', { Tag: 'Tag_SNS_IM_Remark', Value: 'one' }),
        upd('b', { Tag: 'Tag_SNS_IM_Group', Value: ['g2', 'g3'] }),
        upd('c', { Tag: 'Tag_SNS_IM_Group', Value: ['g4'] }),
        upd('c', { Tag: 'Tag_SNS_IM_Group', Value: ['g1', 'g2'] }),
      ],
      friends,
      new Set(['g1']),
      rules,
    );
    assert.deepEqual(
      v.results.map((r) => r.ResultCode),
      [0, 0, 30011, 0],
    );
    assert.deepEqual(v.written, [
      friend('b', { Remark: 'one', GroupName: ['g2', 'g3'] }),
      friend('c', { GroupName: ['g1', 'g2'] }),
    ]);
  });
});

describe('judgeDelete', () => {
  const lists = new Map([
    ['a', new Set(['b'])],
    ['c', new Set(['a'])],
  ]);
  const isFriend = (x: string, y: string): boolean => lists.get(x)?.has(y) ?? false;

  it('one-way: only the user’s own list counts; a repeat after removal is not a friend', () => {
    const v = judgeDelete('a', ['b', 'b', 'c', ''], false, isFriend, 31704);
    assert.deepEqual(
      v.results.map((r) => r.ResultCode),
      [0, 31704, 31704, 30001],
    );
    assert.deepEqual(v.removed, ['b']);
    assert.deepEqual(v.failAccounts, ['b', 'c', '']);
  });

  it('both ways: either direction counts; the code for "not a friend" is the flag’s', () => {
    const v = judgeDelete('a', ['c', 'd'], true, isFriend, 30001);
    assert.deepEqual(
      v.results.map((r) => [r.ResultCode, r.ResultInfo]),
      [
        [0, ''],
        [30001, WRITE_INFO.deleteNotFriend],
      ],
    );
    assert.deepEqual(v.removed, ['c']);
  });
});

describe('write options', () => {
  const base = { sdkAppId: 1, adminIdentifiers: ['admin'], secretKey: 'k' };
  it('defaults: the vendor rates, 100 update items, every custom tag, 31704', () => {
    const o = resolveWriteOptions(base);
    assert.deepEqual(o.apiRateLimits, API_RATE_DEFAULTS);
    assert.deepEqual(API_RATE_DEFAULTS, {
      friend_update: 200,
      friend_delete: 200,
      account_check: 100,
      multiaccount_import: 100,
    });
    assert.equal(o.maxUpdateItems, 100);
    assert.equal(o.customTags, undefined);
    assert.equal(o.deleteNotFriendCode, 31704);
    const limiters = apiLimiters(o.apiRateLimits);
    assert.equal(limiters.get('v4/sns/friend_update')?.limit, 200);
    assert.equal(limiters.get('v4/im_open_login_svc/account_check')?.limit, 100);
    assert.equal(limiters.get('v4/im_open_login_svc/multiaccount_import')?.limit, 100);
  });

  it('overrides, 0 lifts a limit, bad values are refused', () => {
    const o = resolveWriteOptions({ ...base, apiRateLimits: { friend_delete: 0, account_check: 7 } });
    const limiters = apiLimiters(o.apiRateLimits);
    assert.equal(limiters.has('v4/sns/friend_delete'), false);
    assert.equal(limiters.get('v4/im_open_login_svc/account_check')?.limit, 7);
    assert.throws(
      () => resolveWriteOptions({ ...base, apiRateLimits: { friend_get: 5 } as never }),
      /unknown API/,
    );
    assert.throws(() => resolveWriteOptions({ ...base, apiRateLimits: { friend_update: -1 } }), RangeError);
    assert.throws(() => resolveWriteOptions({ ...base, maxUpdateItems: 0 }), RangeError);
    assert.throws(() => resolveWriteOptions({ ...base, customTags: ['Level'] }), /customTags/);
    assert.throws(() => resolveWriteOptions({ ...base, deleteNotFriendCode: 30002 as never }), RangeError);
  });
});
