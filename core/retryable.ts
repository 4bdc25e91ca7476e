/**
 * Which items of a job a re-run could change, and so belong in its retry file (docs/cli.md, the
 * retry file). Pure: the job's end (formats/retryFile.ts) and a sync job share it.
 */
import { classOf } from '../im/errorCodes.js';
import type { FailureKind, UnsentCode } from './userImportTypes.js';

/**
 * Codes that say an account does not exist (yet): From_Account or To_Account was not imported into
 * IM. Accounts may be created after the job (account_import), so a re-run may succeed.
 */
export const MISSING_ACCOUNT_CODES: ReadonlySet<number> = new Set([30003, 31804, 70107]);

/**
 * Whether a re-run could change an item's outcome:
 * - `exhausted` (transient, rate-limited or timed-out attempts all spent) and `cancelled` (not sent
 *   because the job stopped): yes;
 * - `permanent`: only when an account did not exist (MISSING_ACCOUNT_CODES), or the code is one to
 *   retry (a transient or rate-limit class, should one ever be recorded permanent);
 * - `rejected` (the input breaks a rule: it would be rejected again) and `superseded` (a later row
 *   for the same pair won): no.
 * Every other permanent refusal (limits reached, sensitive words, an existing friend refused,
 * blocklists, an unknown code) is the service's answer to the data, which a re-run would get again.
 */
export function isRetryable(failure: { kind: FailureKind; code: number | UnsentCode }): boolean {
  switch (failure.kind) {
    case 'exhausted':
    case 'cancelled':
      return true;
    case 'rejected':
    case 'superseded':
      return false;
    case 'permanent': {
      const { code } = failure;
      if (typeof code !== 'number') return false;
      if (MISSING_ACCOUNT_CODES.has(code)) return true;
      const cls = classOf(code);
      return cls === 'transient' || cls === 'rateLimit';
    }
  }
}

/** One item of a source, as outcomes and the source both name it: its line and its pair. */
export const retryKey = (line: number, fromAccount: string, toAccount: string): string =>
  JSON.stringify([line, fromAccount, toAccount]);

/**
 * What goes in a retry file: the items whose outcome is retryable (`keys`), and every valid item
 * of a line the job never read (after `readThrough`, where a cancelled or failed job stopped;
 * `Infinity` when it read the whole source).
 */
export interface RetrySelection {
  keys: ReadonlySet<string>;
  readThrough: number;
}

/**
 * Collects a retry file's items while the source is read in file order. An item is dropped when a
 * later valid row of the source names the same pair: in the original file the later row wins, so
 * re-sending the earlier one would undo it. Memory: the items kept (the retry file's size).
 */
export class RetryCollector<T> {
  readonly #selection: RetrySelection;
  /** pair → index in #items of the kept item for that pair. */
  readonly #byPair = new Map<string, number>();
  readonly #items: ({ line: number; fromAccount: string; value: T } | undefined)[] = [];

  constructor(selection: RetrySelection) {
    this.#selection = selection;
  }

  /** Whether the item at `line` (for this pair) belongs in the retry file, as the selection says. */
  wanted(line: number, fromAccount: string, toAccount: string): boolean {
    return (
      line > this.#selection.readThrough || this.#selection.keys.has(retryKey(line, fromAccount, toAccount))
    );
  }

  /** Offers a valid item of the source, in file order; `value` is what the file will hold for it. */
  offer(line: number, fromAccount: string, toAccount: string, value: T): void {
    const pair = JSON.stringify([fromAccount, toAccount]);
    const earlier = this.#byPair.get(pair);
    if (earlier !== undefined) {
      this.#items[earlier] = undefined;
      this.#byPair.delete(pair);
    }
    if (!this.wanted(line, fromAccount, toAccount)) return;
    this.#byPair.set(pair, this.#items.length);
    this.#items.push({ line, fromAccount, value });
  }

  /** The kept items in file order. */
  kept(): { line: number; fromAccount: string; value: T }[] {
    return this.#items.filter((i) => i !== undefined);
  }
}
