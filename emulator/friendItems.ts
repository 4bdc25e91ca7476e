/**
 * The per-item verdicts of one friend_import call whose request as a whole is acceptable: the
 * field rules (`im/limits.ts`), duplicates, accounts, an existing friend (when refused), sensitive
 * words, injected item faults, and the limits that depend on what the user already has (32
 * groups, 3,000 friends). Items are judged in order, so when a limit is reached the earlier items
 * get in and the later ones fail.
 */
import type { ItemCheck } from '../im/limits.js';
import type { AddFriendItem } from '../im/schemas.js';
import type { FaultInjector } from './faults.js';
import type { AccountKind, UserState } from './store.js';
import type { ExistingFriendMode } from './types.js';
import { faultInfo, ITEM_INFO, violationInfo } from './vendor.js';

interface ResultItem {
  To_Account: string;
  ResultCode: number;
  ResultInfo: string;
}

export interface ItemRules {
  accountKind(userId: string): AccountKind | undefined;
  /** Lower-case words; empty = no sensitive-word check. */
  sensitiveWords: readonly string[];
  maxFriends: number;
  maxGroups: number;
  /** An item for someone already in the list: replace the stored friend, or fail with 30001. */
  existingFriend: ExistingFriendMode;
}

/** The installed fault plan and the request's number under it. */
interface ItemFaults {
  injector: FaultInjector;
  n: number;
}

interface ItemVerdicts {
  results: ResultItem[];
  accepted: AddFriendItem[];
  /** Indexes of the items not accepted. */
  skipped: number[];
  failAccounts: string[];
  invalidAccounts: string[];
  /** Whether an injected fault decided at least one item. */
  faulted: boolean;
}

/** Items whose To_Account appears more than once in the request. */
function duplicates(items: readonly AddFriendItem[]): Set<string> | undefined {
  const seen = new Set<string>();
  let dups: Set<string> | undefined;
  for (const item of items) {
    if (seen.has(item.To_Account)) (dups ??= new Set()).add(item.To_Account);
    else seen.add(item.To_Account);
  }
  return dups;
}

export function containsWord(text: string | undefined, words: readonly string[]): boolean {
  if (text === undefined || text.length === 0) return false;
  const lower = text.toLowerCase();
  for (const w of words) if (lower.includes(w)) return true;
  return false;
}

/** Whether any free-text field of the item holds a sensitive word. */
function hasSensitiveWord(item: AddFriendItem, words: readonly string[]): boolean {
  if (words.length === 0) return false;
  if (containsWord(item.Remark, words) || containsWord(item.AddWording, words)) return true;
  if (containsWord(item.AddSource, words)) return true;
  if (item.GroupName) for (const g of item.GroupName) if (containsWord(g, words)) return true;
  if (item.CustomItem)
    for (const c of item.CustomItem)
      if (typeof c.Value === 'string' && containsWord(c.Value, words)) return true;
  return false;
}

/**
 * Judges every item. `items` are the request's items, structurally valid (every one parsed by the
 * schema), and `checks` their field-rule verdicts in the same order.
 */
export function judgeItems(
  items: readonly AddFriendItem[],
  checks: readonly ItemCheck[],
  state: UserState,
  rules: ItemRules,
  faults?: ItemFaults,
): ItemVerdicts {
  const out: ItemVerdicts = {
    results: [],
    accepted: [],
    skipped: [],
    failAccounts: [],
    invalidAccounts: [],
    faulted: false,
  };
  const dups = duplicates(items);
  let friendCount = state.friends.size;
  let newGroups: Set<string> | undefined;

  for (let i = 0; i < items.length; i++) {
    const item = items[i] as AddFriendItem;
    const to = item.To_Account;
    const check = checks[i] as ItemCheck;
    let code = 0;
    let info = '';
    if (!check.ok) {
      code = 30001;
      info = violationInfo(check.violations[0]);
    } else if (dups?.has(to)) {
      code = 30001;
      info = ITEM_INFO.duplicate;
    } else {
      const kind = rules.accountKind(to);
      if (kind === 'foreign') {
        code = 30002;
        info = ITEM_INFO.sdkAppId;
      } else if (kind === undefined) {
        code = 30003;
        info = ITEM_INFO.notExist;
      } else if (rules.existingFriend === 'refuse' && state.friends.has(to)) {
        code = 30001;
        info = ITEM_INFO.alreadyFriend;
      } else if (hasSensitiveWord(item, rules.sensitiveWords)) {
        code = 30005;
        info = ITEM_INFO.sensitive;
      } else {
        const fault = faults?.injector.decideItem(faults.n, i, to);
        if (fault) {
          code = fault.code;
          info = faultInfo(fault.code);
          out.faulted = true;
        }
      }
    }

    if (code === 0) {
      // Limits that depend on what the user already holds: groups first, then the friend count.
      let added: string[] | undefined;
      if (item.GroupName)
        for (const g of item.GroupName)
          if (!state.groups.has(g) && !newGroups?.has(g) && !added?.includes(g)) (added ??= []).push(g);
      const groupTotal = state.groups.size + (newGroups?.size ?? 0) + (added?.length ?? 0);
      const isNew = !state.friends.has(to);
      if (added && groupTotal > rules.maxGroups) {
        code = 30011;
        info = ITEM_INFO.groupLimit;
      } else if (isNew && friendCount >= rules.maxFriends) {
        code = 30010;
        info = ITEM_INFO.friendLimit;
      } else {
        if (added) for (const g of added) (newGroups ??= new Set()).add(g);
        if (isNew) friendCount++;
        out.accepted.push(item);
      }
    }

    out.results.push({ To_Account: to, ResultCode: code, ResultInfo: info });
    if (code !== 0) out.skipped.push(i);
    if (code === 30002) out.invalidAccounts.push(to);
    else if (code !== 0) out.failAccounts.push(to);
  }
  return out;
}
