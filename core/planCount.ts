/**
 * Counts, record by record, what a bulk job's plan needs (./plan.ts): its pages, the friend_import
 * calls of each page, and with accounts first the distinct accounts each page checks. A page
 * batches each user's items across the user's lines within the page, so the calls are counted per
 * page and per user; memory stays bounded by one page (and by the caps below).
 */
import { accountCalls } from './plan.js';

/** What the counter needs of one source record. */
export interface PlanRecord {
  fromAccount?: string | undefined;
  /** Items on the line, valid or not: what a page's item limit counts. */
  itemCount: number;
  /** The To_Accounts of the line's valid items (the items the job sends). */
  toAccounts: readonly string[];
}

export interface PlanCountOptions {
  batchSize: number;
  /** Lines per page (`--page-lines`). */
  pageLines: number;
  /** Items per page at most (the job's default: 2,000,000, workflows/pagedJob.ts). */
  pageItems: number;
  /** Count the distinct accounts of every page (`--create-accounts`). */
  accounts: boolean;
  /** Users and accounts remembered per page at most; past them the counts are lower bounds. */
  maxRemembered?: number;
}

export interface PlanCounts {
  pages: number;
  friendImportCalls: number;
  /** account_check calls (and multiaccount_import calls at most), 0 without accounts. */
  accountCalls: number;
  /** False when a page held more users or accounts than remembered: the calls are lower bounds. */
  exact: boolean;
}

const DEFAULT_MAX_REMEMBERED = 1_000_000;

export class PlanCounter {
  readonly #o: Required<PlanCountOptions>;
  #pages = 0;
  #friendImportCalls = 0;
  #accountCalls = 0;
  #exact = true;
  // The page being read.
  #lines = 0;
  #items = 0;
  #lastUser: string | undefined;
  #perUser = new Map<string, number>();
  /** Items of users the page could not remember: at least ⌈pool / batch⌉ calls more. */
  #pool = 0;
  #accounts = new Set<string>();
  #accountsOver = false;

  constructor(options: PlanCountOptions) {
    this.#o = { maxRemembered: DEFAULT_MAX_REMEMBERED, ...options };
  }

  add(record: PlanRecord): void {
    if (this.#endsBefore(record)) this.#closePage();
    if (this.#lines === 0) this.#pages++;
    this.#lines++;
    this.#items += record.itemCount;
    this.#lastUser = record.fromAccount;
    const from = record.fromAccount;
    if (from === undefined || record.toAccounts.length === 0) return;
    const n = record.toAccounts.length;
    const known = this.#perUser.get(from);
    if (known !== undefined || this.#perUser.size < this.#o.maxRemembered)
      this.#perUser.set(from, (known ?? 0) + n);
    else this.#pool += n;
    if (this.#o.accounts) for (const a of [from, ...record.toAccounts]) this.#account(a);
  }

  /** The counts so far, the page being read included. */
  counts(): PlanCounts {
    const page = this.#pageCounts();
    return {
      pages: this.#pages,
      friendImportCalls: this.#friendImportCalls + page.friendImportCalls,
      accountCalls: this.#accountCalls + page.accountCalls,
      exact: this.#exact && page.exact,
    };
  }

  /**
   * Whether the page ends before `record`: at its limits, but not within one user's consecutive
   * lines unless they run past four pages' worth — the rule the job reads pages by
   * (activities/page/pageReading.ts, `endsBefore`).
   */
  #endsBefore(record: PlanRecord): boolean {
    const { pageLines, pageItems } = this.#o;
    const sameUser = record.fromAccount !== undefined && record.fromAccount === this.#lastUser;
    const overLimit = this.#lines >= pageLines || this.#items >= pageItems;
    return overLimit && (!sameUser || this.#lines >= pageLines * 4) && this.#lines > 0;
  }

  #account(account: string): void {
    if (this.#accounts.has(account)) return;
    if (this.#accounts.size >= this.#o.maxRemembered) this.#accountsOver = true;
    else this.#accounts.add(account);
  }

  #pageCounts(): { friendImportCalls: number; accountCalls: number; exact: boolean } {
    let calls = Math.ceil(this.#pool / this.#o.batchSize);
    for (const n of this.#perUser.values()) calls += Math.ceil(n / this.#o.batchSize);
    return {
      friendImportCalls: calls,
      accountCalls: accountCalls(this.#accounts.size),
      exact: this.#pool === 0 && !this.#accountsOver,
    };
  }

  #closePage(): void {
    const page = this.#pageCounts();
    this.#friendImportCalls += page.friendImportCalls;
    this.#accountCalls += page.accountCalls;
    this.#exact &&= page.exact;
    this.#lines = 0;
    this.#items = 0;
    this.#lastUser = undefined;
    this.#perUser = new Map();
    this.#pool = 0;
    this.#accounts = new Set();
    this.#accountsOver = false;
  }
}
