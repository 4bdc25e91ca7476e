/**
 * One attempt of a job's page, as far as the import's page (activities/page/importPage.ts) and the
 * verify's (activities/verify/verifyPage.ts) do the same: where the attempt resumes (its last
 * heartbeat), following the job's control (pause, cancel, concurrency), stopping, reading the
 * page's records within its limits, the checkpoint, the holder session at the app coordinator, and
 * the page's result. What a page does with its records — the calls — is its own.
 *
 * Checkpoints follow the file (docs/architecture.md, one outcome per item): the outcome file of the
 * lines settled at the front is written first, then a heartbeat names it and the line to resume
 * from. A retry drops any outcome file its checkpoint does not name and starts again at that line.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { setMaxListeners } from 'node:events';
import { stat } from 'node:fs/promises';
import {
  MAX_CONCURRENCY,
  type JobControl,
  type JobPageInput,
  type PageCheckpoint,
  type PageCounters,
  type PageEnd,
  type SourceCursor,
} from '../../core/jobTypes.js';
import type { Api, Rates } from '../../coordination/rules/state.js';
import type { PageRecord } from '../../core/pageBook.js';
import type { ImClient } from '../../im/node/client.js';
import { endSession, HolderSession, type HolderOptions } from '../../coordination/holder/holder.js';
import type { LeaseSender } from '../../coordination/holder/transport.js';
import { dropOutcomesAfter, writeOutcomes } from '../../formats/importReport.js';
import { readRecords, SourceError, type SourceRecord } from '../../formats/source/stream.js';
import { followJobControl } from './followJob.js';
import { Wakeup } from './wakeup.js';

/** What every page activity is made with. */
export interface PageDeps {
  im: ImClient;
  client: Client;
  sendLease: LeaseSender;
  /** The app's rate per API, as configured. */
  capacity: Rates;
  /** How long a lease lasts without renewal (the page's heartbeat timeout is about as long). */
  leaseTtlMs?: number;
}

/** What a page's book (core/pageLines.ts) shows the attempt that runs it. */
interface PageBookView<C extends PageCounters> {
  readonly full: boolean;
  readonly readHead: SourceCursor;
  readonly live: { lines: number; items: number };
  readonly checkpointed: C;
  resumeAt(): SourceCursor;
  settle(): { outcomes: readonly object[] } | undefined;
  syncCalls(calls: number): void;
}

type Stopping = 'paused' | 'cancelled' | 'failed' | 'revoked';

/** Where an attempt starts: its page's last checkpoint (a retry), or the page's cursor. */
interface PageStart<P> {
  attempt: number;
  previous: P | undefined;
  resumeFrom: SourceCursor;
  sourceBytes: number;
}

/** How often the page asks its job whether it was paused, cancelled or re-sized. */
const CONTROL_POLL_MS = 400;
const CHECKPOINT_EVERY_MS = 1_000;
/** Reading yields to the calls after this much work. */
const READ_SLICE_MS = 8;

/**
 * Reads the attempt's start: a retry resumes from its last heartbeat, and any outcome file written
 * after it is dropped (its lines are done again). An unreadable source stops the job.
 */
export async function startPage<P extends PageCheckpoint<PageCounters, object>>(
  input: JobPageInput,
): Promise<PageStart<P>> {
  const ctx = Context.current();
  const previous = ctx.info.heartbeatDetails as P | undefined;
  await dropOutcomesAfter(input.reportDir, input.page, previous?.segments ?? 0);
  const sourceBytes = await stat(input.source.path).then(
    (s) => s.size,
    (err: Error) => {
      throw ApplicationFailure.nonRetryable(
        `cannot read ${input.source.path}: ${err.message}`,
        'SourceUnreadable',
      );
    },
  );
  return {
    attempt: ctx.info.attempt,
    previous,
    resumeFrom: previous?.resumeAt ?? input.cursor,
    sourceBytes,
  };
}

/** What a page does in the attempt's loop; the attempt does the rest. */
interface PageWork<L> {
  /** Takes in one record read within the page's limits. */
  add(record: PageRecord, start: SourceCursor, next: SourceCursor): void;
  /**
   * Every turn of the loop, after reading: starts what may start (with `launch`, up to `room()`
   * at once; nothing new once the page is stopping).
   */
  turn(): void;
  /** Every call of the attempt is over; before the last checkpoint. */
  drained?(): void | Promise<void>;
  /** Runs beside the loop until the page ends (its signal aborts). */
  alongside?(): Promise<void>;
  /** The page's own figures in its heartbeat: beside `live` (if any), and in it. */
  details?(): object;
  live(): L;
}

export class PageRun<C extends PageCounters> {
  readonly ctx = Context.current();
  readonly session: HolderSession;
  readonly wake = new Wakeup();
  readonly #input: JobPageInput;
  readonly #client: Client;
  readonly #book: PageBookView<C>;
  readonly #api: Api;
  readonly #empty: () => boolean;
  readonly #stop = new AbortController();
  readonly #running = new Set<Promise<void>>();
  readonly #offChange: () => void;
  readonly #resumeFrom: SourceCursor;
  readonly #carriedCalls: number;
  readonly #sourceBytes: number;
  #segments: number;
  #stopping: Stopping | undefined;
  #fatal: string | undefined;
  #control: JobControl;
  #inFlight = 0;
  #readerDone = false;
  /** Where the page ended at its limits (undefined: it read to the end of the file, or stopped). */
  #pageEnd: SourceCursor | undefined;
  #linesThisPage: number;
  #itemsThisPage: number;
  #lastUser: string | undefined;
  #lastCheckpoint = performance.now();
  /** Calls this attempt made (its checkpoint adds those of the attempts before it). */
  calls = 0;

  constructor(o: {
    input: JobPageInput;
    deps: PageDeps;
    start: PageStart<PageCheckpoint<C, object>>;
    book: PageBookView<C>;
    /** Nothing read is waiting for a call or an answer. */
    empty: () => boolean;
    /** The coordinator's name for this page, and the API whose rate it takes a share of. */
    holder: string;
    api: Api;
    session?: Pick<HolderOptions, 'blanket' | 'gatherMs'>;
  }) {
    const { input, deps, start } = o;
    const carried = start.previous?.counters;
    this.#input = input;
    this.#client = deps.client;
    this.#book = o.book;
    this.#api = o.api;
    this.#empty = o.empty;
    this.#resumeFrom = start.resumeFrom;
    this.#segments = start.previous?.segments ?? 0;
    this.#carriedCalls = carried?.calls ?? 0;
    this.#sourceBytes = start.sourceBytes;
    this.#control = { state: 'running', concurrency: input.concurrency };
    // A retry resumes partway: the page's limits count from where the page began, not the retry.
    this.#linesThisPage = carried?.lines ?? 0;
    this.#itemsThisPage = carried?.items ?? 0;
    // Every run in flight may wait for a call slot, or a back-off, on this signal.
    setMaxListeners(MAX_CONCURRENCY + 16, this.#stop.signal);
    this.session = new HolderSession({
      send: deps.sendLease,
      holder: o.holder,
      generation: input.page * 1_000 + Math.min(start.attempt, 999),
      ttlMs: deps.leaseTtlMs ?? 20_000,
      capacity: deps.capacity,
      want: { [o.api]: deps.capacity[o.api] ?? 0 },
      ...(start.attempt === 1 && { tail: { [o.api]: input.windowTail } }),
      callBudgetMs: deps.im.timeoutMs + 2_000,
      ...o.session,
      onError: (err) => {
        this.ctx.log.warn('lease request failed', { error: String(err) });
      },
    });
    this.#offChange = this.session.onChange(() => {
      if (this.session.revoked) this.halt('revoked');
      this.wake.now();
    });
    this.ctx.cancellationSignal.addEventListener('abort', () => this.halt('failed'), { once: true });
    // The first request (its rate share, the blanket when alone) goes while the page opens its file.
    void this.session.flush();
  }

  /** Aborts when the page stops (a pause, a cancel, a failure, a newer attempt) or ends. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  get stopping(): Stopping | undefined {
    return this.#stopping;
  }

  /** Why the page stopped the job, once it has. */
  get fatal(): string | undefined {
    return this.#fatal;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get readerDone(): boolean {
    return this.#readerDone;
  }

  /** Calls that may start now: the job's concurrency less those in flight. */
  room(): number {
    return Math.max(0, Math.min(this.#control.concurrency, MAX_CONCURRENCY) - this.#inFlight);
  }

  /** Everything is read and answered: the page has nothing left to do. */
  idle(): boolean {
    return this.#readerDone && this.#inFlight === 0 && this.#empty();
  }

  halt(why: Stopping): void {
    if (this.#stopping) return;
    this.#stopping = why;
    this.#stop.abort(new Error(`page stopping: ${why}`));
    this.wake.now();
  }

  /** Stops the page and the job: a setting is wrong, or something no retry can help. */
  fail(message: string): void {
    this.#fatal ??= message;
    this.halt('failed');
  }

  /** Starts one unit of work (a user's batch, a run of checks); `onError` tidies up if it throws. */
  launch(work: () => Promise<void>, onError?: () => void): void {
    this.#inFlight++;
    const p: Promise<void> = work()
      .catch((err: unknown) => {
        this.fail(`unexpected error: ${String(err)}`);
        onError?.();
      })
      .finally(() => {
        this.#inFlight--;
        this.#running.delete(p);
        this.wake.now();
      });
    this.#running.add(p);
  }

  /** The attempt: reads, lets the page make its calls, checkpoints, until it is done or stops. */
  async run<L extends object>(work: PageWork<L>): Promise<void> {
    const input = this.#input;
    const book = this.#book;
    const records = readRecords(input.source.path, input.source.format, this.#resumeFrom)[
      Symbol.asyncIterator
    ]();
    const progress = (state: string): PageCheckpoint<C, L> => ({
      page: input.page,
      resumeAt: book.resumeAt(),
      segments: this.#segments,
      counters: book.checkpointed,
      ...work.details?.(),
      live: {
        ...work.live(),
        calls: this.#carriedCalls + this.calls,
        inFlight: this.#inFlight,
        linesRead: book.live.lines,
        items: book.live.items,
        bytesRead: book.readHead.offset,
        sourceBytes: this.#sourceBytes,
        state,
      },
    });
    const checkpoint = async (state: string): Promise<void> => {
      this.#lastCheckpoint = performance.now();
      const settled = book.settle();
      if (settled) await writeOutcomes(input.reportDir, input.page, ++this.#segments, settled.outcomes);
      book.syncCalls(this.#carriedCalls + this.calls);
      this.ctx.heartbeat(progress(state));
    };

    const poller = followJobControl({
      client: this.#client,
      jobWorkflowId: input.jobWorkflowId,
      signal: this.#stop.signal,
      everyMs: CONTROL_POLL_MS,
      done: () => this.idle(),
      onControl: (c) => {
        this.#control = c;
        if (c.state === 'paused') this.halt('paused');
        if (c.state === 'cancelling' || c.state === 'cancelled') this.halt('cancelled');
        this.wake.now();
      },
    });
    const beside = work.alongside?.() ?? Promise.resolve();
    try {
      this.ctx.heartbeat(progress('starting'));
      for (;;) {
        if (!this.#stopping) await this.#fill(records, work);
        work.turn();
        if (performance.now() - this.#lastCheckpoint >= CHECKPOINT_EVERY_MS)
          await checkpoint(this.#stopping ?? 'running');
        if (this.#stopping && this.#inFlight === 0) break;
        if (this.idle()) break;
        await this.wake.wait(this.#readerDone || book.full || this.#stopping ? 250 : 0);
      }
      await Promise.all(this.#running);
      await work.drained?.();
      await checkpoint(this.#stopping ?? 'done');
    } finally {
      this.#offChange();
      this.#stop.abort(new Error('page ended'));
      await Promise.all([poller, beside].map((p) => p.catch(() => undefined)));
      await records.return?.(undefined);
    }
  }

  /** Reads records for a slice of time, up to the page's limits or until the book is full. */
  async #fill(records: AsyncIterator<SourceRecord>, work: Pick<PageWork<object>, 'add'>): Promise<void> {
    const { maxLines, maxItems } = this.#input.limits;
    const until = performance.now() + READ_SLICE_MS;
    while (!this.#readerDone && !this.#stopping && !this.#book.full && performance.now() < until) {
      let next: IteratorResult<SourceRecord>;
      try {
        next = await records.next();
      } catch (err) {
        if (err instanceof SourceError)
          throw ApplicationFailure.nonRetryable(err.message, 'SourceUnreadable');
        throw err;
      }
      if (next.done) {
        this.#readerDone = true;
        break;
      }
      const { record, start, next: after } = next.value;
      // A page ends at its limits, but not in the middle of one user's consecutive rows.
      const sameUser = record.fromAccount !== undefined && record.fromAccount === this.#lastUser;
      const overLimit = this.#linesThisPage >= maxLines || this.#itemsThisPage >= maxItems;
      if (overLimit && (!sameUser || this.#linesThisPage >= maxLines * 4) && this.#linesThisPage > 0) {
        this.#pageEnd = start;
        this.#readerDone = true;
        break;
      }
      this.#linesThisPage++;
      this.#itemsThisPage += record.itemCount;
      this.#lastUser = record.fromAccount;
      work.add(record, start, after);
    }
  }

  /**
   * Ends the attempt: a newer attempt that took over, or the activity's own cancellation, retries
   * the page; otherwise the session ends (for good when the job's file or the job is done, else
   * only this page's epoch, so the next page takes over at once) and the page returns its result.
   * `took` says what a newer attempt took over; `own` is the page's own part of the result.
   */
  async finish<E extends object>(took: string, own: E): Promise<PageEnd<C> & E> {
    const signal = this.ctx.cancellationSignal;
    if (this.#stopping === 'revoked')
      throw ApplicationFailure.retryable(`a newer attempt of this page took over ${took}`, 'PageRevoked');
    if (signal.aborted && !this.#fatal) {
      // The worker is shutting down or the attempt timed out: the session is dropped without a
      // word, so the next attempt waits out its leases (docs/architecture.md, durable).
      this.session.abandon();
      throw ApplicationFailure.retryable(
        'the page was cancelled (worker shutting down or timed out)',
        'PageInterrupted',
      );
    }
    const stopping = this.#stopping;
    const eof = this.#readerDone && this.#pageEnd === undefined && !stopping;
    await endSession(this.session, eof || stopping !== undefined ? 'holder' : 'epoch', signal);
    return {
      page: this.#input.page,
      // Lines after the first unsettled one are done again by the next page (one outcome each).
      next: this.#book.resumeAt(),
      eof,
      ...(stopping === 'paused' && { stopped: 'paused' as const }),
      ...(stopping === 'cancelled' && { stopped: 'cancelled' as const }),
      counters: this.#book.checkpointed,
      segments: this.#segments,
      sourceBytes: this.#sourceBytes,
      windowTail: this.session.tail()[this.#api] ?? [],
      ...own,
      ...(this.#fatal && { error: this.#fatal }),
    };
  }
}
