/**
 * Accounts first (docs/cli.md, "Accounts first"): before a page of a bulk job sends its friends,
 * the accounts its valid items name are checked with account_check and the missing ones created
 * with multiaccount_import. This is the pure part: which accounts a record names, what a page's
 * items become when an account could not be created, and the job's account figures. The calls are
 * activities/accounts/.
 */
import type { PageRecord } from './pageBook.js';
import type { JobPageInput, ReportRow, SourceIdentity } from './jobTypes.js';

/** Accounts per account_check and per multiaccount_import call at most (the vendor's limit). */
export const MAX_ACCOUNTS_PER_ACCOUNT_CALL = 100;

/**
 * The code an item gets when an account it names could not be created: the vendor's own "account
 * does not exist", which is what friend_import would have answered for it.
 */
export const ACCOUNT_MISSING_CODE = 30003;

/** One account that could not be created, and why (a line of the page's accounts file). */
export interface UncreatableAccount {
  account: string;
  /** The vendor code that refused it (0 when multiaccount_import listed it in FailAccounts). */
  code: number;
  reason: string;
}

/** The account calls of a job or a page, by API. */
export interface AccountCalls {
  account_check: number;
  multiaccount_import: number;
}

/** What a job's summary says of its accounts (createAccounts only). */
export interface AccountTotals {
  /** Distinct accounts checked, counted once per page they appear in. */
  checked: number;
  created: number;
  /** Accounts that could not be created: the items that name them failed. */
  failed: number;
  calls: AccountCalls;
}

export function emptyAccountTotals(): AccountTotals {
  return { checked: 0, created: 0, failed: 0, calls: { account_check: 0, multiaccount_import: 0 } };
}

/** Adds `b` into `a`. */
export function addAccountTotals(a: AccountTotals, b: AccountTotals): void {
  a.checked += b.checked;
  a.created += b.created;
  a.failed += b.failed;
  a.calls.account_check += b.calls.account_check;
  a.calls.multiaccount_import += b.calls.multiaccount_import;
}

/**
 * What the prepareAccounts activity reads: the lines the page after it will read, no more (the
 * page's cursor and limits, exactly as its importPage gets them).
 */
export type PrepareAccountsInput = Pick<
  JobPageInput,
  'jobId' | 'sdkAppId' | 'page' | 'source' | 'sourceIdentity' | 'cursor' | 'limits' | 'reportDir'
>;

/** What it returns: counts and a file name, never the accounts themselves (history stays small). */
export interface PrepareAccountsResult extends AccountTotals {
  /** The page's uncreatable accounts (absent when there are none). */
  file?: string;
  /** The source as this activity found it, when the job had none yet (its first page). */
  sourceIdentity?: SourceIdentity;
  /** A setting is wrong (no retry can help): the job stops with this message. */
  error?: string;
}

/** The accounts a record's valid items name: its From_Account and every To_Account. */
export function accountsOf(record: PageRecord): string[] {
  if (record.fromAccount === undefined || record.items.length === 0) return [];
  return [record.fromAccount, ...record.items.map((i) => i.item.To_Account)];
}

/** The reason an item fails when `account` could not be created. */
export function uncreatableReason(u: UncreatableAccount): string {
  return `account ${u.account} could not be created: ${u.reason}`;
}

/**
 * The record with every item that names an uncreatable account (as From_Account or To_Account)
 * moved to its rejections as a permanent failure, so each keeps exactly one outcome and is never
 * sent. The record itself is returned when nothing in it is affected.
 */
export function failUncreatable(
  record: PageRecord,
  uncreatable: ReadonlyMap<string, UncreatableAccount>,
): PageRecord {
  if (uncreatable.size === 0 || record.fromAccount === undefined || record.items.length === 0) return record;
  const from = record.fromAccount;
  const fromFailed = uncreatable.get(from);
  const failed: ReportRow[] = [];
  const kept = record.items.filter(({ item }) => {
    const account = fromFailed ?? uncreatable.get(item.To_Account);
    if (!account) return true;
    failed.push({
      line: record.line,
      fromAccount: from,
      toAccount: item.To_Account,
      code: ACCOUNT_MISSING_CODE,
      reason: uncreatableReason(account),
      kind: 'permanent',
    });
    return false;
  });
  if (failed.length === 0) return record;
  return { ...record, items: kept, rejections: [...record.rejections, ...failed] };
}

/** The distinct accounts of a run, bounded: past `max` it forgets them all (some are checked twice). */
export class SeenAccounts {
  readonly #seen = new Set<string>();
  constructor(readonly max: number) {}

  /** True the first time `account` is seen (since the last time the set was full). */
  first(account: string): boolean {
    if (this.#seen.has(account)) return false;
    if (this.#seen.size >= this.max) this.#seen.clear();
    this.#seen.add(account);
    return true;
  }
}
