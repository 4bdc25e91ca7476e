import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callsFor, DELETE_ADD_SOURCE, diffUser, snsItems, userPart } from '../../../core/syncDiff.js';
import { expectedValues } from '../../../core/verifyCompare.js';
import type { FieldValues } from '../../../core/verifyTypes.js';
import type { AddFriendItem } from '../../../im/schemas.js';

const item = (to: string, extra: Partial<AddFriendItem> = {}): AddFriendItem => ({
  To_Account: to,
  AddSource: 'AddSource_Type_Web',
  ...extra,
});
const baseOf = (...items: AddFriendItem[]): Map<string, FieldValues> =>
  new Map(items.map((i) => [i.To_Account, expectedValues(i)]));
const nextOf = (...items: AddFriendItem[]): Map<string, AddFriendItem> =>
  new Map(items.map((i) => [i.To_Account, i]));
const tos = (items: readonly AddFriendItem[]): string[] => items.map((i) => i.To_Account);

describe('diffUser', () => {
  it('imports added pairs and writes nothing for unchanged ones', () => {
    const same = item('b', { Remark: 'r', GroupName: ['g2', 'g1'] });
    const d = diffUser(
      baseOf(item('b', { Remark: 'r', GroupName: ['g1', 'g2', 'g1'] })),
      nextOf(same, item('c')),
      true,
    );
    assert.deepEqual(d.writes, { delete: [], update: [], import: [item('c')] });
    assert.equal(d.counts.added, 1);
    assert.equal(d.counts.unchanged, 1);
    assert.equal(d.counts.usersUnchanged, 0);
    assert.equal(d.counts.users, 1);
  });

  it('a user whose pairs all compare equal (empty string = absent, number = its string) is unchanged', () => {
    const base = baseOf(item('b', { Remark: '', CustomItem: [{ Tag: 'Tag_SNS_Custom_n', Value: 7 }] }));
    const d = diffUser(
      base,
      nextOf(item('b', { CustomItem: [{ Tag: 'Tag_SNS_Custom_n', Value: '7' }] })),
      true,
    );
    assert.deepEqual(d.writes, { delete: [], update: [], import: [] });
    assert.deepEqual([d.counts.usersUnchanged, d.counts.unchanged, d.counts.changed], [1, 1, 0]);
  });

  it('updates a changed remark, group or custom field in place, clearing dropped custom tags', () => {
    const base = baseOf(
      item('r', { Remark: 'old' }),
      item('g', { GroupName: ['a'] }),
      item('c', {
        CustomItem: [
          { Tag: 'Tag_SNS_Custom_x', Value: 'x1' },
          { Tag: 'Tag_SNS_Custom_y', Value: 'y1' },
        ],
      }),
    );
    const newC = item('c', { CustomItem: [{ Tag: 'Tag_SNS_Custom_x', Value: 'x2' }] });
    const d = diffUser(
      base,
      nextOf(item('r', { Remark: 'new' }), item('g', { GroupName: ['b'] }), newC),
      false,
    );
    assert.deepEqual(tos(d.writes.update), ['r', 'g', 'c']);
    assert.deepEqual(d.writes.delete, []);
    assert.deepEqual(d.writes.import, []);
    assert.equal(d.counts.changed, 3);
    // y was dropped: cleared with an empty value; x carries its new value.
    assert.deepEqual(d.writes.update[2]?.CustomItem, [
      { Tag: 'Tag_SNS_Custom_x', Value: 'x2' },
      { Tag: 'Tag_SNS_Custom_y', Value: '' },
    ]);
    // A removed remark or group list is cleared too (by snsItems, below).
    const cleared = diffUser(
      baseOf(item('r', { Remark: 'old', GroupName: ['a'] })),
      nextOf(item('r')),
      false,
    );
    assert.deepEqual(snsItems(cleared.writes.update[0]!), [
      { Tag: 'Tag_SNS_IM_Remark', Value: '' },
      { Tag: 'Tag_SNS_IM_Group', Value: [] },
    ]);
  });

  it('replaces a pair whose AddSource or AddWording changed: delete, then import', () => {
    const base = baseOf(item('s', { Remark: 'r' }), item('w', { AddWording: 'hi' }));
    const ns = item('s', { AddSource: 'AddSource_Type_App', Remark: 'r2' });
    const nw = item('w', { AddWording: 'hello' });
    const d = diffUser(base, nextOf(ns, nw), false);
    assert.deepEqual(d.writes.delete, [
      { To_Account: 's', AddSource: DELETE_ADD_SOURCE },
      { To_Account: 'w', AddSource: DELETE_ADD_SOURCE },
    ]);
    assert.deepEqual(d.writes.import, [ns, nw]);
    assert.deepEqual(d.writes.update, []);
    assert.deepEqual([d.counts.replaced, d.counts.changed, d.counts.removed], [2, 0, 0]);
  });

  it('deletes removed pairs only with deleteRemoved; counts them either way', () => {
    const base = baseOf(item('gone'), item('kept'));
    const keep = diffUser(base, nextOf(item('kept')), false);
    assert.deepEqual(keep.writes, { delete: [], update: [], import: [] });
    assert.deepEqual([keep.counts.removed, keep.counts.usersUnchanged], [1, 1]);
    const del = diffUser(base, nextOf(item('kept')), true);
    assert.deepEqual(tos(del.writes.delete), ['gone']);
    assert.deepEqual([del.counts.removed, del.counts.usersUnchanged], [1, 0]);
    // A user the new snapshot no longer names at all: every pair removed.
    const all = diffUser(base, new Map(), true);
    assert.deepEqual(tos(all.writes.delete), ['gone', 'kept']);
    assert.equal(all.counts.removed, 2);
  });
});

describe('snsItems', () => {
  it('sends the remark and the groups always, then each custom field', () => {
    assert.deepEqual(
      snsItems(
        item('a', { Remark: 'r', GroupName: ['g'], CustomItem: [{ Tag: 'Tag_SNS_Custom_n', Value: 3 }] }),
      ),
      [
        { Tag: 'Tag_SNS_IM_Remark', Value: 'r' },
        { Tag: 'Tag_SNS_IM_Group', Value: ['g'] },
        { Tag: 'Tag_SNS_Custom_n', Value: 3 },
      ],
    );
  });
});

describe('callsFor and userPart', () => {
  it('rounds calls up', () => {
    assert.deepEqual(
      [callsFor(0, 100), callsFor(1, 100), callsFor(100, 100), callsFor(101, 100)],
      [0, 1, 1, 2],
    );
  });

  it('puts a user in the same part every time, every part in range, spread over the parts', () => {
    assert.equal(userPart('anyone', 1), 0);
    assert.equal(userPart('anyone', 0), 0);
    const seen = new Array<number>(4).fill(0);
    for (let i = 0; i < 2_000; i++) {
      const p = userPart(`user${i}`, 4);
      assert.equal(p, userPart(`user${i}`, 4));
      assert.ok(p >= 0 && p < 4);
      seen[p]!++;
    }
    for (const n of seen) assert.ok(n > 350, `parts spread: ${seen.join(',')}`);
    // Fixed values: the split must not change between versions (a plan resumed after an upgrade).
    assert.deepEqual(
      ['a', 'user1', 'ü'].map((u) => userPart(u, 1000)),
      [220, 73, 987],
    );
  });
});
