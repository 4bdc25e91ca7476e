/**
 * The bookkeeping of one running verify page, in memory and without I/O: the lines read and not
 * yet settled, each user's open run (the rows of that user read close together, checked with one
 * set of calls), and what can be checkpointed. Its lines are kept like the import's page book's
 * (core/pageLines.ts): checkpoints follow the file, so every line before `resumeAt` has its
 * outcome in the page's outcome files, and a retried page starts again there.
 *
 * Within a run the last row for a pair decides what the service must hold: the last row that an
 * import would send (valid, and not failed permanently in the import job), else — when no row of
 * the pair would be sent — the pair must be absent. A user whose rows are read in two runs (far
 * apart in the file, in two pages, or across a retry) is merged when the report is written
 * (core/verifyMerge.ts).
 */
import type { SourceCursor } from './jobTypes.js';
import type { PageRecord } from './pageBook.js';
import { PageLines } from './pageLines.js';
import { countOutcome, recordVerdict, validAccount, type PairVerdict } from './verifyCompare.js';
import {
  emptyVerifyCounters,
  type PairExpectation,
  type VerifyCounters,
  type VerifyLineOutcome,
} from './verifyTypes.js';

interface VerifyBookOptions {
  /** A run is ready once this many items were read after its last row (or the reader is done). */
  lookaheadItems: number;
  /** Pairs held (read and not settled) above which every run is ready, so the reader can go on. */
  maxBufferedPairs: number;
}

/** Why a pair that the source names must be absent, when it must (an import job's permanent failure). */
export type AbsentLookup = (line: number, from: string, to: string) => string | undefined;

/** A run handed to the caller to check: one user's pairs. */
export interface CheckRun {
  id: number;
  from: string;
  pairs: PairExpectation[];
}

interface OpenLine {
  cursor: SourceCursor;
  itemCount: number;
  /** Its pairs belong to a run not checked yet. */
  pending: boolean;
  outcome: VerifyLineOutcome;
}

interface Run {
  id: number;
  from: string;
  lines: number[];
  pairs: Map<string, PairExpectation>;
  lastSeen: number;
}

export class VerifyBook extends PageLines<OpenLine, VerifyLineOutcome, VerifyCounters> {
  /** Runs still taking rows, oldest `lastSeen` first. */
  readonly #open = new Map<string, Run>();
  readonly #checking = new Map<number, Run>();

  constructor(
    options: VerifyBookOptions,
    start: SourceCursor,
    carried: VerifyCounters = emptyVerifyCounters(),
  ) {
    // `buffered` counts pairs read and not yet checked.
    super(
      { maxBuffered: options.maxBufferedPairs, lookaheadItems: options.lookaheadItems },
      start,
      emptyVerifyCounters(),
      carried,
    );
  }

  /** Runs taking rows or being checked. */
  get openRuns(): number {
    return this.#open.size + this.#checking.size;
  }

  /** Nothing read is waiting for a check or its answer. */
  get empty(): boolean {
    return this.openRuns === 0;
  }

  /** Every user this attempt has read (the users a writer must not touch while we read them). */
  get users(): ReadonlySet<string> {
    return this.seenUsers;
  }

  /** Takes in one record; `next` is where the reader stands after it. */
  add(record: PageRecord, start: SourceCursor, next: SourceCursor, absent?: AbsentLookup): void {
    this.advance(record.itemCount, next);
    const occurrences: { from: string; to: string; pair: Omit<PairExpectation, 'toAccount'> }[] = [];
    for (const { item } of record.items) {
      const from = record.fromAccount ?? '';
      const why = absent?.(record.line, from, item.To_Account);
      occurrences.push({
        from,
        to: item.To_Account,
        pair: why
          ? { line: record.line, expect: 'absent', why, checkable: true }
          : { line: record.line, expect: 'present', item, checkable: true },
      });
    }
    for (const r of record.rejections) {
      const from = r.fromAccount || record.fromAccount || '';
      if (!from || !r.toAccount) continue;
      occurrences.push({
        from,
        to: r.toAccount,
        pair: {
          line: record.line,
          expect: 'absent',
          why: `line ${record.line} is rejected (${r.reason})`,
          checkable: validAccount(from) && validAccount(r.toAccount) && from !== r.toAccount,
        },
      });
    }
    const from = occurrences[0]?.from ?? record.fromAccount ?? '';
    const line: OpenLine = {
      cursor: start,
      itemCount: record.itemCount,
      pending: false,
      outcome: { line: record.line, fromAccount: from, run: 0, present: [], absent: [], diffs: [] },
    };
    this.lines.set(record.line, line);
    if (occurrences.length === 0) return;
    this.noteUser(from);
    const run = this.#open.get(from) ?? {
      id: record.line,
      from,
      lines: [],
      pairs: new Map<string, PairExpectation>(),
      lastSeen: 0,
    };
    this.#open.delete(from);
    run.lastSeen = this.itemsRead;
    run.lines.push(record.line);
    line.pending = true;
    line.outcome.run = run.id;
    for (const o of occurrences) this.#merge(run, o.to, o.pair);
    this.#open.set(from, run);
  }

  /** The last row that would be sent wins; a row that would not be sent never hides one that would. */
  #merge(run: Run, to: string, pair: Omit<PairExpectation, 'toAccount'>): void {
    const existing = run.pairs.get(to);
    if (!existing) this.held++;
    if (pair.expect === 'present' || !existing || existing.expect === 'absent')
      run.pairs.set(to, { toAccount: to, ...pair });
  }

  /** Runs whose rows are all read (the reader moved on): up to `max`, handed over to be checked. */
  ready(readerDone: boolean, max: number): CheckRun[] {
    const out: CheckRun[] = [];
    for (const r of [...this.#open.values()]) {
      if (out.length >= max) break;
      if (!this.readPast(r.lastSeen, readerDone)) continue;
      this.#open.delete(r.from);
      this.#checking.set(r.id, r);
      out.push({ id: r.id, from: r.from, pairs: [...r.pairs.values()] });
    }
    return out;
  }

  /** Records a checked run's verdicts: its lines are done. */
  complete(id: number, verdicts: readonly PairVerdict[]): void {
    const run = this.#checking.get(id);
    if (!run) return;
    this.#checking.delete(id);
    this.held -= run.pairs.size;
    for (const v of verdicts) {
      const line = this.lines.get(v.line);
      if (!line) continue;
      recordVerdict(line.outcome, v);
      countOutcome(this.live, {
        present: v.diff || v.expect !== 'present' ? [] : [v.toAccount],
        absent: v.diff || v.expect !== 'absent' ? [] : [v.toAccount],
        diffs: v.diff ? [v.diff] : [],
      });
    }
    for (const n of run.lines) {
      const line = this.lines.get(n);
      if (line) line.pending = false;
    }
  }

  /** A run that will not be checked in this attempt (the page stops): its lines stay open. */
  abandon(id: number): void {
    const run = this.#checking.get(id);
    if (!run) return;
    this.#checking.delete(id);
    this.held -= run.pairs.size;
  }

  protected settled(line: OpenLine): boolean {
    return !line.pending;
  }

  protected count(line: OpenLine): void {
    const c = this.checkpointed;
    const o = line.outcome;
    c.lines++;
    c.items += line.itemCount;
    countOutcome(c, o);
    if (o.run > 0 && o.fromAccount) this.countCheckpointUser(o.fromAccount);
  }
}
