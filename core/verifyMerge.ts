/**
 * Turns a verify job's outcome lines into its report: each pair once, counted once. Pure: the
 * finalize activity streams the outcome files through it twice.
 *
 * Most users are checked in one run, and their verdicts are final as written. A user checked in
 * more than one run (rows far apart in the file, in two pages, or a page retried mid-user) has a
 * verdict per run for a pair; the one that decides is the same one an import would leave behind:
 * the latest run that expected the pair present, else the latest run. Only those users' pairs are
 * held in memory, so memory grows with the users of the file, not its pairs.
 */
import type { AddFriendItem } from '../im/schemas.js';
import { countDiff, countOutcome } from './verifyCompare.js';
import {
  emptyVerifyCounters,
  type PairDiff,
  type VerifyCounters,
  type VerifyLineOutcome,
  type VerifyReportRow,
} from './verifyTypes.js';

/** First pass: which users were checked in more than one run. */
export class RunTracker {
  readonly #firstRun = new Map<string, number>();
  readonly #split = new Set<string>();

  add(o: Pick<VerifyLineOutcome, 'fromAccount' | 'run'>): void {
    if (o.run === 0) return;
    const first = this.#firstRun.get(o.fromAccount);
    if (first === undefined) this.#firstRun.set(o.fromAccount, o.run);
    else if (first !== o.run) this.#split.add(o.fromAccount);
  }

  /** Users with at least one pair. */
  get users(): number {
    return this.#firstRun.size;
  }

  get split(): ReadonlySet<string> {
    return this.#split;
  }
}

interface Verdict {
  line: number;
  expect: 'present' | 'absent';
  diff?: PairDiff;
}

/** Whether verdict `b` (read later) replaces `a` for the same pair. */
export function decides(a: Verdict, b: Verdict): boolean {
  if (a.expect !== b.expect) return b.expect === 'present';
  return b.line >= a.line;
}

interface MergedReport {
  counters: VerifyCounters;
  /** Sorted by line, then accounts. */
  rows: VerifyReportRow[];
  /** The items to import again, per user in the order of their first row. */
  repair: Map<string, AddFriendItem[]>;
}

/** Second pass: every outcome line in page and file order. */
export class VerdictMerge {
  readonly #split: ReadonlySet<string>;
  readonly #counters = emptyVerifyCounters();
  readonly #diffs: { line: number; from: string; diff: PairDiff }[] = [];
  readonly #held = new Map<string, Map<string, Verdict>>();

  constructor(split: ReadonlySet<string>) {
    this.#split = split;
  }

  add(o: VerifyLineOutcome): void {
    if (!this.#split.has(o.fromAccount)) {
      countOutcome(this.#counters, o);
      for (const diff of o.diffs) this.#diffs.push({ line: o.line, from: o.fromAccount, diff });
      return;
    }
    let pairs = this.#held.get(o.fromAccount);
    if (!pairs) this.#held.set(o.fromAccount, (pairs = new Map<string, Verdict>()));
    const offer = (to: string, v: Verdict): void => {
      const current = pairs.get(to);
      if (!current || decides(current, v)) pairs.set(to, v);
    };
    for (const to of o.present) offer(to, { line: o.line, expect: 'present' });
    for (const to of o.absent) offer(to, { line: o.line, expect: 'absent' });
    for (const diff of o.diffs) offer(diff.toAccount, { line: o.line, expect: diff.expect, diff });
  }

  result(): MergedReport {
    const c = this.#counters;
    for (const [from, pairs] of this.#held)
      for (const v of pairs.values()) {
        c.pairs++;
        if (v.diff) {
          countDiff(c, v.diff);
          this.#diffs.push({ line: v.line, from, diff: v.diff });
        } else if (v.expect === 'present') c.present++;
        else c.absent++;
      }
    this.#diffs.sort(
      (a, b) =>
        a.line - b.line || a.from.localeCompare(b.from) || a.diff.toAccount.localeCompare(b.diff.toAccount),
    );
    const rows: VerifyReportRow[] = [];
    const repair = new Map<string, AddFriendItem[]>();
    for (const { line, from, diff } of this.#diffs) {
      rows.push({
        line,
        fromAccount: from,
        toAccount: diff.toAccount,
        differs: diff.differs,
        expected: diff.expected,
        found: diff.found,
        ...(diff.note !== undefined && { note: diff.note }),
      });
      const kind = diff.differs[0];
      if (diff.item && kind !== 'unexpected' && kind !== 'unchecked') {
        let items = repair.get(from);
        if (!items) repair.set(from, (items = []));
        items.push(diff.item);
      }
    }
    return { counters: c, rows, repair };
  }
}

/** The repair file's lines: one friend_import body per user, at most `perLine` items each. */
export function repairBodies(
  repair: ReadonlyMap<string, readonly AddFriendItem[]>,
  perLine = 1000,
): { From_Account: string; AddFriendItem: AddFriendItem[] }[] {
  const out: { From_Account: string; AddFriendItem: AddFriendItem[] }[] = [];
  for (const [from, items] of repair)
    for (let i = 0; i < items.length; i += perLine)
      out.push({ From_Account: from, AddFriendItem: items.slice(i, i + perLine) });
  return out;
}
