/**
 * What the import's page book (core/pageBook.ts) and the verify's (core/verifyBook.ts) share: the
 * lines read and not yet settled, in file order; where the reader stands; the items (or pairs)
 * held; the live totals and the checkpointed ones. Checkpoints follow the file (docs/architecture.md,
 * one outcome per item): `settle` hands over only the settled lines at the front, and `resumeAt` is
 * the first line that is not, so a retried page starts there and does again what came after it.
 */
import type { PageCounters, SourceCursor } from './jobTypes.js';

interface OpenLine<O> {
  cursor: SourceCursor;
  outcome: O;
}

export abstract class PageLines<L extends OpenLine<O>, O, C extends PageCounters> {
  /** Lines read and not yet settled, in the order they were read. */
  protected readonly lines = new Map<number, L>();
  /** Every user this attempt has read. */
  protected readonly seenUsers = new Set<string>();
  readonly #checkpointUsers = new Set<string>();
  readonly #maxBuffered: number;
  readonly #lookaheadItems: number;
  /** Items read so far in this attempt (how far the reader is past a user's last row). */
  protected itemsRead = 0;
  /** Read and not yet settled: items for an import, pairs for a verify. */
  protected held = 0;
  #readHead: SourceCursor;
  /** Totals of everything read and settled so far in this attempt. */
  readonly live: C;
  /** Totals of the lines before the last checkpoint (what a retry carries on from). */
  readonly checkpointed: C;

  protected constructor(
    limits: { maxBuffered: number; lookaheadItems: number },
    start: SourceCursor,
    live: C,
    carried: C,
  ) {
    this.#maxBuffered = limits.maxBuffered;
    this.#lookaheadItems = limits.lookaheadItems;
    this.#readHead = start;
    this.live = live;
    this.checkpointed = structuredClone(carried);
  }

  get readHead(): SourceCursor {
    return this.#readHead;
  }

  get buffered(): number {
    return this.held;
  }

  get full(): boolean {
    return this.held >= this.#maxBuffered;
  }

  /** The reader took one more record; `next` is where it stands after it. */
  protected advance(itemCount: number, next: SourceCursor): void {
    this.#readHead = next;
    this.itemsRead += itemCount;
    this.live.lines++;
    this.live.items += itemCount;
  }

  /** Counts a user once per attempt in the live totals. */
  protected noteUser(from: string): void {
    if (this.seenUsers.has(from)) return;
    this.seenUsers.add(from);
    this.live.users++;
  }

  /** Counts a user once per page in the checkpointed totals. */
  protected countCheckpointUser(from: string): void {
    if (this.#checkpointUsers.has(from)) return;
    this.#checkpointUsers.add(from);
    this.checkpointed.users++;
  }

  /** A user (or run) last read at `lastSeen` has all its rows read: the reader moved on far enough. */
  protected readPast(lastSeen: number, readerDone: boolean): boolean {
    return readerDone || this.full || this.itemsRead - lastSeen >= this.#lookaheadItems;
  }

  /** The line has every outcome it will get in this attempt. */
  protected abstract settled(line: L): boolean;
  /** Adds a settled line into `checkpointed`. */
  protected abstract count(line: L): void;

  /**
   * Takes the settled lines at the front (in file order) for the next outcome file and moves the
   * checkpoint past them. Returns undefined when there is nothing new to write.
   */
  settle(): { outcomes: O[]; resumeAt: SourceCursor } | undefined {
    const outcomes: O[] = [];
    for (const [n, line] of this.lines) {
      if (!this.settled(line)) break;
      this.lines.delete(n);
      outcomes.push(line.outcome);
      this.count(line);
    }
    if (outcomes.length === 0) return undefined;
    return { outcomes, resumeAt: this.resumeAt() };
  }

  /** Where a retry would start: the first line not yet settled, or where the reader stands. */
  resumeAt(): SourceCursor {
    for (const line of this.lines.values()) return line.cursor;
    return this.#readHead;
  }

  /** Calls are counted as they happen (a retry makes its own again). */
  syncCalls(calls: number): void {
    this.checkpointed.calls = calls;
  }
}
