/**
 * What a sync must write for one user (docs/cli.md, `sync`), from what the base holds (the older
 * snapshot, or the service's friend list) and what the new snapshot says. Pure: the plan activity
 * reads both sides and hands each user's pairs here.
 *
 * Fields are compared as a verify compares them (core/verifyCompare.ts), so a sync that ends leaves
 * a state `verify --fields` finds equal: remark, groups and custom fields are updated in place;
 * a changed AddSource or AddWording, which friend_update cannot write, replaces the pair (deleted,
 * then imported again); AddTime and RemarkTime are set once when a pair is added and not compared.
 */
import type { AddFriendItem } from '../im/schemas.js';
import { CUSTOM_TAG_PREFIX, GROUP_TAG, REMARK_TAG, type SnsItem } from '../im/friendUpdateSchemas.js';
import { differingFields, expectedValues } from './verifyCompare.js';
import type { FieldValues } from './verifyTypes.js';
import { emptyPairCounts, type SyncOp, type SyncPairCounts } from './syncTypes.js';

/** The fields only a new import can set. */
const REPLACING_FIELDS = new Set(['AddSource', 'AddWording']);

/** A pair in a delete's plan line: friend_delete needs only the To_Account; the reader wants an AddSource. */
export const DELETE_ADD_SOURCE = 'AddSource_Type_Sync';

export interface UserWrites {
  /** Items per write, each in the plan's friend_import shape. */
  writes: Record<SyncOp, AddFriendItem[]>;
  counts: SyncPairCounts;
}

/**
 * One user's writes. `base` maps each To_Account the base holds to its fields; `next` each
 * To_Account of the new snapshot to its item (the last row for a pair wins, as in an import).
 */
export function diffUser(
  base: ReadonlyMap<string, FieldValues>,
  next: ReadonlyMap<string, AddFriendItem>,
  deleteRemoved: boolean,
): UserWrites {
  const writes: Record<SyncOp, AddFriendItem[]> = { delete: [], update: [], import: [] };
  const counts = emptyPairCounts();
  counts.users = 1;
  for (const [to, item] of next) {
    const had = base.get(to);
    if (had === undefined) {
      writes.import.push(item);
      counts.added++;
      continue;
    }
    const differ = differingFields(expectedValues(item), had);
    if (differ.length === 0) counts.unchanged++;
    else if (differ.some((f) => REPLACING_FIELDS.has(f))) {
      writes.delete.push(deleteItem(to));
      writes.import.push(item);
      counts.replaced++;
    } else {
      writes.update.push(updateItem(item, had));
      counts.changed++;
    }
  }
  for (const to of base.keys()) {
    if (next.has(to)) continue;
    counts.removed++;
    if (deleteRemoved) writes.delete.push(deleteItem(to));
  }
  if (writes.delete.length + writes.update.length + writes.import.length === 0) counts.usersUnchanged = 1;
  return { writes, counts };
}

const deleteItem = (to: string): AddFriendItem => ({ To_Account: to, AddSource: DELETE_ADD_SOURCE });

/**
 * The new item as an update: its own fields, plus an empty value for each custom field the base
 * holds and the new snapshot dropped (the service has no "unset" for a custom field; an empty
 * value is what a verify reads as absent).
 */
function updateItem(item: AddFriendItem, had: FieldValues): AddFriendItem {
  const given = new Set((item.CustomItem ?? []).map((c) => c.Tag));
  const cleared = Object.keys(had)
    .filter((k) => k.startsWith(CUSTOM_TAG_PREFIX) && !given.has(k))
    .map((Tag) => ({ Tag, Value: '' }));
  return cleared.length > 0 ? { ...item, CustomItem: [...(item.CustomItem ?? []), ...cleared] } : item;
}

/**
 * An update item as friend_update's tag/value pairs: the remark and the group list always (an
 * absent one is cleared), then each custom field the item names.
 */
export function snsItems(item: AddFriendItem): SnsItem[] {
  return [
    { Tag: REMARK_TAG, Value: item.Remark ?? '' },
    { Tag: GROUP_TAG, Value: item.GroupName ?? [] },
    ...(item.CustomItem ?? []).map((c) => ({ Tag: c.Tag, Value: c.Value })),
  ];
}

/** The fewest calls `items` items of one user take at `perCall` a call. */
export const callsFor = (items: number, perCall: number): number => Math.ceil(items / perCall);

/** A stable hash of a UserID, to split users into the plan's parts (FNV-1a, 32 bits). */
export function userPart(user: string, parts: number): number {
  if (parts <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < user.length; i++) {
    h ^= user.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % parts;
}
