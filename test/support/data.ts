/** Small builders of friend items and checks of the emulator's state, shared by integration tests. */
import assert from 'node:assert/strict';
import type { Emulator } from '../../emulator/index.js';
import type { AddFriendItem } from '../../im/schemas.js';
import type { SubmittedItem } from '../../core/userImportTypes.js';

export function friendItem(to: string, extra: Partial<AddFriendItem> = {}): AddFriendItem {
  return { To_Account: to, AddSource: 'AddSource_Type_Web', ...extra };
}

/** `n` complete items for accounts `${prefix}0 …`, each with its own remark and group. */
export function friendItems(n: number, prefix: string): AddFriendItem[] {
  return Array.from({ length: n }, (_, i) =>
    friendItem(`${prefix}${i}`, {
      Remark: `r-${prefix}${i}`,
      GroupName: [`g${i % 3}`],
      AddTime: 1700000000 + i,
    }),
  );
}

export const submitted = (items: readonly unknown[]): SubmittedItem[] => items.map((item) => ({ item }));

/** Asserts that `from`'s friend list holds exactly `items` (the fields that were sent). */
export function assertFriends(emulator: Emulator, from: string, items: readonly AddFriendItem[]): void {
  const rows = emulator.friendsOf(from);
  assert.equal(rows.length, items.length, `${from} has ${rows.length} friends, expected ${items.length}`);
  const byTo = new Map(rows.map((r) => [r.To_Account, r]));
  for (const item of items) {
    const row = byTo.get(item.To_Account);
    assert.ok(row, `${from} → ${item.To_Account} missing`);
    assert.equal(row.AddSource, item.AddSource);
    assert.equal(row.Remark, item.Remark);
    assert.deepEqual(row.GroupName ?? undefined, item.GroupName);
  }
}
