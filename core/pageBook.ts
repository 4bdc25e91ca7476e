/**
 * The bookkeeping of one running page of a bulk job, in memory and without I/O: the lines read
 * and not yet settled, each open user's ledger (core/ledger.ts, the same one a user's workflow
 * uses), which users are ready for their next call, and what can be checkpointed.
 *
 * Checkpoints follow the file (core/pageLines.ts): every line before `resumeAt` has all its
 * outcomes, and they are in the page's outcome files. A retried page starts again at `resumeAt`, so
 * lines settled out of order after it are done again rather than recorded twice (one outcome per item).
 */
import { admit } from './admit.js';
import { applyAnswer, cancelQueued, failBatch, newLedger, takeBatch } from './ledger.js';
import {
  countFailed,
  emptyCounters,
  type JobCounters,
  type LineOutcome,
  type ReportRow,
  type SourceCursor,
} from './jobTypes.js';
import { PageLines } from './pageLines.js';
import type {
  FailureKind,
  FriendImportAnswer,
  ItemOutcome,
  LedgerState,
  QueuedItem,
  SubmittedItem,
} from './userImportTypes.js';
import type { AddFriendItem } from '../im/schemas.js';

/** A record read from the source: one line's items for one user, or the line's rejections. */
export interface PageRecord {
  line: number;
  fromAccount?: string;
  items: { ref: number; item: AddFriendItem }[];
  rejections: ReportRow[];
  itemCount: number;
}

interface PageBookOptions {
  batchSize: number;
  maxBatchBytes: number;
  maxItemAttempts: number;
  /** A user is ready for a call once this many items were read after its last one (or the reader is done). */
  lookaheadItems: number;
  /** Items held (read and not settled) above which every user is ready, so the reader can go on. */
  maxBufferedItems: number;
  /** The page resumes after a crash: every item may already be in the service. */
  resumed: boolean;
}

interface OpenLine {
  cursor: SourceCursor;
  outstanding: number;
  outcome: LineOutcome;
}

interface OpenUser {
  from: string;
  ledger: LedgerState;
  pending: SubmittedItem[];
  /** itemsRead when its last record was read. */
  lastSeen: number;
  /** Its lease was asked for (the holder session knows whether it is held). */
  asked: boolean;
  busy: boolean;
}

export class PageBook extends PageLines<OpenLine, LineOutcome, JobCounters> {
  readonly #o: PageBookOptions;
  /** Open users, oldest `lastSeen` first. */
  readonly #users = new Map<string, OpenUser>();
  #submissions = 0;
  #busy = 0;

  constructor(options: PageBookOptions, start: SourceCursor, carried: JobCounters = emptyCounters()) {
    super(
      { maxBuffered: options.maxBufferedItems, lookaheadItems: options.lookaheadItems },
      start,
      emptyCounters(),
      carried,
    );
    this.#o = options;
  }

  /** Nothing read is waiting for a call or an answer. */
  get empty(): boolean {
    return this.buffered === 0;
  }

  get busy(): number {
    return this.#busy;
  }

  get openUsers(): number {
    return this.#users.size;
  }

  get usersRead(): number {
    return this.seenUsers.size;
  }

  /** Takes in one record; `next` is where the reader stands after it. */
  add(record: PageRecord, start: SourceCursor, next: SourceCursor): void {
    this.advance(record.itemCount, next);
    const line: OpenLine = {
      cursor: start,
      outstanding: record.items.length,
      outcome: { line: record.line, fromAccount: record.fromAccount ?? '', imported: [], failed: [] },
    };
    for (const r of record.rejections) {
      line.outcome.failed.push({ toAccount: r.toAccount, code: r.code, reason: r.reason, kind: r.kind });
      if (!line.outcome.fromAccount && r.fromAccount) line.outcome.fromAccount = r.fromAccount;
      countFailed(this.live, String(r.code));
    }
    this.lines.set(record.line, line);
    const from = record.fromAccount;
    if (from === undefined || record.items.length === 0) return;
    this.noteUser(from);
    const user = this.#users.get(from) ?? {
      from,
      ledger: newLedger(from, 0, { failureDetailCap: 0 }),
      pending: [],
      lastSeen: 0,
      asked: false,
      busy: false,
    };
    this.#users.delete(from);
    user.lastSeen = this.itemsRead;
    // The record's own entries go in as they are (no copy per item) unless they must be marked.
    if (this.#o.resumed)
      for (const i of record.items) user.pending.push({ ref: i.ref, item: i.item, maybeLanded: true });
    else for (const i of record.items) user.pending.push(i);
    this.held += record.items.length;
    this.#users.set(from, user);
  }

  /** Users whose lease has not been asked for yet (marks them asked). */
  toLease(): string[] {
    const out: string[] = [];
    for (const u of this.#users.values())
      if (!u.asked) {
        u.asked = true;
        out.push(u.from);
      }
    return out;
  }

  /** Users that may get a call now: held, idle, with items, and done reading (or a full batch). */
  ready(readerDone: boolean, max: number, held: (from: string) => boolean): string[] {
    const out: string[] = [];
    for (const u of this.#users.values()) {
      if (out.length >= max) break;
      const waiting = u.pending.length + u.ledger.queue.length;
      if (u.busy || waiting === 0 || !held(u.from)) continue;
      if (waiting >= this.#o.batchSize || this.readPast(u.lastSeen, readerDone)) out.push(u.from);
    }
    return out;
  }

  /** Admits the user's read items and takes its next batch (it is busy until `finish`). */
  takeBatch(from: string): QueuedItem[] {
    const u = this.#users.get(from);
    if (!u || u.busy) return [];
    if (u.pending.length > 0) {
      const { outcomes } = admit(u.ledger, { id: `s${++this.#submissions}`, items: u.pending });
      u.pending = [];
      this.#record(outcomes);
    }
    const batch = takeBatch(u.ledger, this.#o.batchSize, this.#o.maxBatchBytes);
    if (batch.length > 0) {
      u.busy = true;
      this.#busy++;
    }
    return batch;
  }

  /** Records an answer to the user's batch. */
  answer(from: string, batch: readonly QueuedItem[], answer: FriendImportAnswer): void {
    const u = this.#users.get(from);
    if (!u) return;
    this.live.calls += answer.attempt;
    this.#record(applyAnswer(u.ledger, batch, answer, this.#o.maxItemAttempts).outcomes);
    this.#finish(u);
  }

  /** Records the same failure for the whole batch (a permanent code, retries spent, cancelled). */
  fail(
    from: string,
    batch: readonly QueuedItem[],
    failure: { code: number | 'rejected'; reason: string; kind: FailureKind },
    calls: number,
  ): void {
    const u = this.#users.get(from);
    if (!u) return;
    this.live.calls += calls;
    if (failure.code === 'rejected') {
      // Not a vendor code: the items never went (cancelled while waiting to be sent again).
      u.ledger.queue.unshift(...batch);
      this.#record(cancelQueued(u.ledger, failure.reason).outcomes);
    } else
      this.#record(
        failBatch(u.ledger, batch, { code: failure.code, reason: failure.reason, kind: failure.kind }, calls)
          .outcomes,
      );
    this.#finish(u);
  }

  /** The batch goes back unanswered (the page is stopping): its items are done again on resume. */
  abandon(from: string, batch: readonly QueuedItem[], calls: number): void {
    const u = this.#users.get(from);
    if (!u) return;
    this.live.calls += calls;
    u.ledger.queue.unshift(...batch);
    this.#finish(u);
  }

  #finish(u: OpenUser): void {
    if (u.busy) {
      u.busy = false;
      this.#busy--;
    }
  }

  /** Every item read and not sent ends `cancelled` (the job was cancelled). */
  cancelAll(reason: string): void {
    for (const u of this.#users.values()) {
      if (u.busy) continue;
      if (u.pending.length > 0) {
        this.#record(admit(u.ledger, { id: `s${++this.#submissions}`, items: u.pending }).outcomes);
        u.pending = [];
      }
      this.#record(cancelQueued(u.ledger, reason).outcomes);
    }
  }

  /** Users with nothing left to send that the reader has moved past: forget them (release their lease). */
  done(readerDone: boolean): string[] {
    const out: string[] = [];
    for (const u of [...this.#users.values()]) {
      if (u.busy || u.pending.length > 0 || u.ledger.queue.length > 0) continue;
      if (!this.readPast(u.lastSeen, readerDone)) continue;
      this.#users.delete(u.from);
      if (u.asked) out.push(u.from);
    }
    return out;
  }

  /** A call for the user is in flight (its lease cannot go before the answer). */
  calling(from: string): boolean {
    return this.#users.get(from)?.busy === true;
  }

  /** Users given back before their items were sent: their leases are asked for again (`toLease`). */
  lend(users: Iterable<string>): void {
    for (const from of users) {
      const u = this.#users.get(from);
      if (u) u.asked = false;
    }
  }

  /** Users held that have nothing to send right now (for a holder asked to give them back). */
  idle(from: string): boolean {
    const u = this.#users.get(from);
    return !u || (!u.busy && u.pending.length === 0 && u.ledger.queue.length === 0);
  }

  #record(outcomes: readonly ItemOutcome[]): void {
    for (const o of outcomes) {
      const line = this.lines.get(Number(o.ref));
      if (!line) continue;
      line.outstanding--;
      this.held--;
      if (o.ok) {
        line.outcome.imported.push(o.toAccount);
        this.live.imported++;
      } else {
        line.outcome.failed.push({ toAccount: o.toAccount, code: o.code, reason: o.reason, kind: o.kind });
        countFailed(this.live, String(o.code));
      }
    }
  }

  protected settled(line: OpenLine): boolean {
    return line.outstanding === 0;
  }

  protected count({ outcome: o }: OpenLine): void {
    const c = this.checkpointed;
    c.lines++;
    c.items += Math.max(1, o.imported.length + o.failed.length);
    c.imported += o.imported.length;
    for (const f of o.failed) countFailed(c, String(f.code));
    if (o.fromAccount && o.imported.length + o.failed.length > 0) this.countCheckpointUser(o.fromAccount);
  }
}
