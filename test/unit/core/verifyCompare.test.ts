import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  differingFields,
  expectedValues,
  foundValues,
  judgePairs,
  type ServiceView,
} from '../../../core/verifyCompare.js';
import type { PairExpectation } from '../../../core/verifyTypes.js';
import type { AddFriendItem } from '../../../im/schemas.js';

const item = (to: string, extra: Partial<AddFriendItem> = {}): AddFriendItem => ({
  To_Account: to,
  AddSource: 'AddSource_Type_Web',
  ...extra,
});
const present = (to: string, extra: Partial<AddFriendItem> = {}, line = 1): PairExpectation => ({
  toAccount: to,
  line,
  expect: 'present',
  item: item(to, extra),
  checkable: true,
});
const absent = (
  to: string,
  why = 'line 2 is rejected (Remark too long)',
  checkable = true,
): PairExpectation => ({
  toAccount: to,
  line: 2,
  expect: 'absent',
  why,
  checkable,
});
const read = (friends: Record<string, Record<string, unknown> | undefined>): ServiceView => ({
  kind: 'read',
  friends: new Map(
    Object.entries(friends).map(([to, v]) => [
      to,
      v === undefined ? undefined : (v as Record<string, string>),
    ]),
  ),
});

describe('verify comparison', () => {
  it('reads the compared fields from an item and from friend_get tags alike', () => {
    const exp = expectedValues(
      item('b', {
        Remark: 'r',
        GroupName: ['y', 'x', 'x'],
        AddWording: '',
        AddTime: 5,
        CustomItem: [{ Tag: 'Tag_SNS_Custom_Lvl', Value: 3 }],
      }),
    );
    assert.deepEqual(exp, {
      Remark: 'r',
      GroupName: ['x', 'y'],
      AddSource: 'AddSource_Type_Web',
      Tag_SNS_Custom_Lvl: 3,
    });
    const found = foundValues([
      { Tag: 'Tag_SNS_IM_AddSource', Value: 'AddSource_Type_Web' },
      { Tag: 'Tag_SNS_IM_Remark', Value: 'r' },
      { Tag: 'Tag_SNS_IM_Group', Value: ['y', 'x'] },
      { Tag: 'Tag_SNS_IM_AddTime', Value: 99 },
      { Tag: 'Tag_SNS_Custom_Lvl', Value: '3' },
    ]);
    assert.deepEqual(differingFields(exp, found), [], 'groups are a set, 3 and "3" are one value');
  });

  it('names the differing fields: standard ones in order, then custom tags; empty equals absent', () => {
    const exp = { Remark: 'a', AddSource: 'AddSource_Type_Web', Tag_SNS_Custom_B: 'x' };
    const found = { Remark: 'b', GroupName: ['g'], AddSource: 'AddSource_Type_Web', Tag_SNS_Custom_A: 'y' };
    assert.deepEqual(differingFields(exp, found), [
      'Remark',
      'GroupName',
      'Tag_SNS_Custom_A',
      'Tag_SNS_Custom_B',
    ]);
    assert.deepEqual(differingFields({ Remark: '' }, {}), []);
  });

  it('existence: present as expected, missing with the expected fields, absent as expected, unexpected', () => {
    const verdicts = judgePairs(
      [present('a'), present('b', { Remark: 'r' }), absent('c'), absent('d')],
      read({ a: undefined, d: undefined }),
      false,
    );
    assert.deepEqual(
      verdicts.map((v) => [v.toAccount, v.diff?.differs ?? 'ok']),
      [
        ['a', 'ok'],
        ['b', ['missing']],
        ['c', 'ok'],
        ['d', ['unexpected']],
      ],
    );
    const missing = verdicts[1]?.diff;
    assert.deepEqual(missing?.expected, { Remark: 'r', AddSource: 'AddSource_Type_Web' });
    assert.equal(missing?.found, null);
    assert.equal(missing?.item?.To_Account, 'b', 'the item goes to the repair file');
    assert.deepEqual(verdicts[3]?.diff?.found, {});
    assert.match(verdicts[3]?.diff?.note ?? '', /expected absent: line 2 is rejected/);
  });

  it('fields: a present pair with another remark differs by that field only', () => {
    const [v] = judgePairs(
      [present('a', { Remark: 'mine', GroupName: ['g'] })],
      read({ a: { Remark: 'theirs', GroupName: ['g'], AddSource: 'AddSource_Type_Web' } }),
      true,
    );
    assert.deepEqual(v?.diff?.differs, ['Remark']);
    assert.deepEqual(v?.diff?.expected, { Remark: 'mine' });
    assert.deepEqual(v?.diff?.found, { Remark: 'theirs' });
  });

  it('a pair the service cannot hold is absent without asking; an unreadable user is unchecked', () => {
    assert.equal(judgePairs([absent('x'.repeat(40), 'bad', false)], read({}), false)[0]?.diff, undefined);
    const [v] = judgePairs([present('a')], { kind: 'unreadable', code: 70500, info: 'down' }, false);
    assert.deepEqual(v?.diff?.differs, ['unchecked']);
    const [w] = judgePairs(
      [present('a'), absent('b')],
      { kind: 'noUser', code: 30003, info: 'no such user' },
      false,
    );
    assert.deepEqual(w?.diff?.differs, ['missing']);
    assert.match(w?.diff?.note ?? '', /30003/);
  });
});
