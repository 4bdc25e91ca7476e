/**
 * The per-item verdicts of friend_update and friend_delete for a request that is acceptable as a
 * whole (pure: plain data in, verdicts and what to write out). Items are judged in order against
 * the list as the earlier items left it. The rules are in docs/emulator.md (friend writes).
 */
import { CUSTOM_TAG_PATTERN, LIMITS, userIdViolations, utf8Length } from '../im/limits.js';
import { CUSTOM_TAG_PREFIX, GROUP_TAG, REMARK_TAG, type UpdateItem } from '../im/friendUpdateSchemas.js';
import type { AddFriendItem } from '../im/schemas.js';
import { containsWord } from './friendItems.js';

export interface WriteResult {
  To_Account: string;
  ResultCode: number;
  ResultInfo: string;
}

/** Per-item ResultInfo of the two calls, by cause (our names, in the vendor's style). */
export const WRITE_INFO = {
  updateParam: 'Err_SNS_FriendUpdate_Param_Invalid',
  updateField: 'Err_SNS_FriendUpdate_Invalid_Field',
  updateNotFriend: 'Err_SNS_FriendUpdate_Not_Friend',
  updateSensitive: 'Err_SNS_FriendUpdate_Dirty_Words',
  updateGroupLimit: 'Err_SNS_FriendUpdate_Group_Num_Exceed_Threshold',
  deleteParam: 'Err_SNS_FriendDelete_Param_Invalid',
  deleteNotFriend: 'Err_SNS_FriendDelete_Not_Friend',
} as const;

export interface UpdateRules {
  maxGroups: number;
  /** Lower-case words; empty = no check. */
  sensitiveWords: readonly string[];
  /** The configured custom tags; undefined = every well-formed tag is configured. */
  customTags?: ReadonlySet<string>;
}

export interface UpdateVerdicts {
  results: WriteResult[];
  failAccounts: string[];
  /** The updated friends, whole, once each (the last state when a To_Account repeats). */
  written: AddFriendItem[];
}

function bytesOver(value: string, limit: number): boolean {
  return utf8Length(value) > limit;
}

/** Why the item's fields break a rule (the ResultInfo), or undefined. */
function fieldProblem(item: UpdateItem, customTags: ReadonlySet<string> | undefined): string | undefined {
  const seen = new Set<string>();
  for (const sns of item.SnsItem) {
    if (seen.has(sns.Tag)) return WRITE_INFO.updateParam;
    seen.add(sns.Tag);
    if (sns.Tag === REMARK_TAG) {
      if (typeof sns.Value !== 'string' || bytesOver(sns.Value, LIMITS.remarkMaxBytes))
        return WRITE_INFO.updateParam;
    } else if (sns.Tag === GROUP_TAG) {
      const groups = sns.Value as string[];
      if (groups.length > LIMITS.groupsPerItem) return WRITE_INFO.updateParam;
      if (groups.some((g) => g.length === 0 || bytesOver(g, LIMITS.groupNameMaxBytes)))
        return WRITE_INFO.updateParam;
    } else {
      if (!CUSTOM_TAG_PATTERN.test(sns.Tag)) return WRITE_INFO.updateField;
      if (customTags && !customTags.has(sns.Tag)) return WRITE_INFO.updateField;
      if (typeof sns.Value === 'string' && bytesOver(sns.Value, LIMITS.customValueMaxBytes))
        return WRITE_INFO.updateParam;
    }
  }
  return undefined;
}

function hasSensitive(item: UpdateItem, words: readonly string[]): boolean {
  if (words.length === 0) return false;
  for (const sns of item.SnsItem) {
    const values = Array.isArray(sns.Value) ? sns.Value : [sns.Value];
    for (const v of values) if (typeof v === 'string' && containsWord(v, words)) return true;
  }
  return false;
}

/** The friend with the item's tags applied: the remark set, the group list replaced, custom tags set. */
export function applyUpdate(friend: AddFriendItem, item: UpdateItem): AddFriendItem {
  const out: AddFriendItem = { ...friend };
  for (const sns of item.SnsItem) {
    if (sns.Tag === REMARK_TAG) out.Remark = sns.Value as string;
    else if (sns.Tag === GROUP_TAG) {
      const groups = [...new Set(sns.Value as string[])];
      if (groups.length > 0) out.GroupName = groups;
      else delete out.GroupName;
    } else if (sns.Tag.startsWith(CUSTOM_TAG_PREFIX)) {
      const value = sns.Value as string | number;
      const custom = (out.CustomItem ?? []).filter((c) => c.Tag !== sns.Tag);
      out.CustomItem = [...custom, { Tag: sns.Tag, Value: value }];
    }
  }
  return out;
}

/**
 * Judges friend_update's items for `from`: `friends` is the user's list (To_Account → stored item)
 * and `groups` the groups the user already has.
 */
export function judgeUpdate(
  from: string,
  items: readonly UpdateItem[],
  friends: ReadonlyMap<string, AddFriendItem>,
  groups: ReadonlySet<string>,
  rules: UpdateRules,
): UpdateVerdicts {
  const results: WriteResult[] = [];
  const failAccounts: string[] = [];
  const written = new Map<string, AddFriendItem>();
  const newGroups = new Set<string>();
  for (const item of items) {
    const to = item.To_Account;
    const current = written.get(to) ?? friends.get(to);
    let info: string | undefined;
    let code = 30001;
    if (userIdViolations(to, 'To_Account').length > 0 || to === from) info = WRITE_INFO.updateParam;
    else info = fieldProblem(item, rules.customTags);
    if (info === undefined && current === undefined) info = WRITE_INFO.updateNotFriend;
    if (info === undefined && hasSensitive(item, rules.sensitiveWords)) {
      code = 30005;
      info = WRITE_INFO.updateSensitive;
    }
    if (info === undefined && current !== undefined) {
      const next = applyUpdate(current, item);
      const added = (next.GroupName ?? []).filter((g) => !groups.has(g) && !newGroups.has(g));
      if (added.length > 0 && groups.size + newGroups.size + added.length > rules.maxGroups) {
        code = 30011;
        info = WRITE_INFO.updateGroupLimit;
      } else {
        for (const g of added) newGroups.add(g);
        written.set(to, next);
      }
    }
    if (info === undefined) results.push({ To_Account: to, ResultCode: 0, ResultInfo: '' });
    else {
      results.push({ To_Account: to, ResultCode: code, ResultInfo: info });
      failAccounts.push(to);
    }
  }
  return { results, failAccounts, written: [...written.values()] };
}

export interface DeleteVerdicts {
  results: WriteResult[];
  failAccounts: string[];
  /** The To_Accounts to remove, once each. */
  removed: string[];
}

/**
 * Judges friend_delete's To_Accounts for `from`. `isFriend(a, b)`: b is in a's list. With `both`,
 * an item succeeds when either direction exists; otherwise only From_Account's own list counts.
 */
export function judgeDelete(
  from: string,
  toAccounts: readonly string[],
  both: boolean,
  isFriend: (a: string, b: string) => boolean,
  notFriendCode: number,
): DeleteVerdicts {
  const results: WriteResult[] = [];
  const failAccounts: string[] = [];
  const removed = new Set<string>();
  for (const to of toAccounts) {
    let code = 0;
    let info = '';
    if (userIdViolations(to, 'To_Account').length > 0) {
      code = 30001;
      info = WRITE_INFO.deleteParam;
    } else {
      const present = !removed.has(to) && (isFriend(from, to) || (both && isFriend(to, from)));
      if (present) removed.add(to);
      else {
        code = notFriendCode;
        info = WRITE_INFO.deleteNotFriend;
      }
    }
    results.push({ To_Account: to, ResultCode: code, ResultInfo: info });
    if (code !== 0) failAccounts.push(to);
  }
  return { results, failAccounts, removed: [...removed] };
}
