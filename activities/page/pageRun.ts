/**
 * One attempt of a job's page, as far as the import's page (activities/page/importPage.ts) and the
 * verify's (activities/verify/verifyPage.ts) do the same: following the job's control (pause,
 * cancel, concurrency), stopping, the attempt's loop of reading, calls and checkpoints, and the
 * page's result. What a page does with its records — the calls — is its own.
 *
 * The parts: where the attempt resumes is ./pageStart.ts, reading within the page's limits
 * ./pageReading.ts, checkpoints and heartbeats ./pageCheckpoint.ts, the holder session at the app
 * coordinator ./pageSession.ts.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { setMaxListeners } from 'node:events';
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
import type { HolderSession } from '../../coordination/holder/holder.js';
import type { HolderOptions } from '../../coordination/holder/holderOptions.js';
import type { LeaseSender } from '../../coordination/holder/transport.js';
import type { FileRoots } from '../fileRoots.js';
import { followJobControl } from './followJob.js';
import { Checkpoints, type PageBookView, type PageFigures } from './pageCheckpoint.js';
import { openRecords, readSlice, startReading, type PageReading } from './pageReading.js';
import { endSession, openPageSession } from './pageSession.js';
import type { PageStart } from './pageStart.js';
import { Wakeup } from './wakeup.js';

/** What every page activity is made with. */
export interface PageDeps {
  im: ImClient;
  /** The folders a page may read its source from and write its outcome files to. */
  roots: FileRoots;
  client: Client;
  sendLease: LeaseSender;
  /** The app's rate per API, as configured. */
  capacity: Rates;
  /** How long a lease lasts without renewal (the page's heartbeat timeout is about as long). */
  leaseTtlMs?: number;
}

type Stopping = 'paused' | 'cancelled' | 'failed' | 'revoked';

/** How often the page asks its job whether it was paused, cancelled or re-sized. */
const CONTROL_POLL_MS = 400;

/** What a page does in the attempt's loop; the attempt does the rest. */
interface PageWork<L> extends PageFigures<L> {
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
}

export class PageRun<C extends PageCounters> {
  readonly ctx = Context.current();
  readonly session: HolderSession;
  readonly wake = new Wakeup();
  readonly #input: JobPageInput;
  readonly #client: Client;
  readonly #book: PageBookView<C>;
  readonly #api: Api;
  readonly #stop = new AbortController();
  readonly #running = new Set<Promise<void>>();
  readonly #offChange: () => void;
  readonly #resumeFrom: SourceCursor;
  readonly #sourceBytes: number;
  /** Bytes this attempt fetched from an object store (none for a local file). */
  #bytesFetched = 0;
  readonly #checkpoints: Checkpoints<C>;
  readonly #reading: PageReading;
  #stopping: Stopping | undefined;
  #fatal: string | undefined;
  #control: JobControl;
  #inFlight = 0;
  /** Calls this attempt made (its checkpoint adds those of the attempts before it). */
  calls = 0;

  constructor(o: {
    input: JobPageInput;
    deps: PageDeps;
    start: PageStart<PageCheckpoint<C, object>>;
    book: PageBookView<C>;
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
    this.#resumeFrom = start.resumeFrom;
    this.#sourceBytes = start.sourceBytes;
    this.#checkpoints = new Checkpoints({
      ctx: this.ctx,
      page: input.page,
      reportDir: input.reportDir,
      book: o.book,
      segments: start.previous?.segments ?? 0,
      carriedCalls: carried?.calls ?? 0,
      sourceBytes: start.sourceBytes,
      source: { path: input.source.path, identity: start.sourceIdentity },
      calls: () => this.calls,
      inFlight: () => this.#inFlight,
      bytesFetched: () => this.#bytesFetched,
    });
    this.#control = { state: 'running', concurrency: input.concurrency };
    this.#reading = startReading(carried);
    // Every run in flight may wait for a call slot, or a back-off, on this signal.
    setMaxListeners(MAX_CONCURRENCY + 16, this.#stop.signal);
    // And each call in flight (a verify's reads, a cancel's checks) may listen to the activity's own.
    setMaxListeners(MAX_CONCURRENCY + 16, this.ctx.cancellationSignal);
    this.session = openPageSession({
      deps,
      page: input.page,
      attempt: start.attempt,
      windowTail: input.windowTail,
      holder: o.holder,
      api: o.api,
      session: o.session,
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
    return this.#reading.done;
  }

  /** Calls that may start now: the job's concurrency less those in flight. */
  room(): number {
    return Math.max(0, Math.min(this.#control.concurrency, MAX_CONCURRENCY) - this.#inFlight);
  }

  /** Everything is read and answered: the page has nothing left to do. */
  idle(): boolean {
    return this.#reading.done && this.#inFlight === 0 && this.#book.empty;
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
    const checkpoints = this.#checkpoints;
    const records = openRecords(input.source, this.#resumeFrom, checkpoints.sourceIdentity, (bytes) => {
      this.#bytesFetched += bytes;
    });
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
      checkpoints.heartbeat(work, 'starting');
      for (;;) {
        if (!this.#stopping)
          await readSlice(
            records,
            this.#reading,
            input.limits,
            () => !this.#stopping && !book.full,
            (record, start, next) => work.add(record, start, next),
          );
        work.turn();
        if (checkpoints.due()) {
          // A source changed mid-page stops the page as a failing setting does: the calls in
          // flight end and are recorded, nothing more is read or sent.
          const changed = this.#stopping ? undefined : await checkpoints.sourceChanged();
          if (changed) this.fail(changed);
          await checkpoints.write(work, this.#stopping ?? 'running');
        }
        if (this.#stopping && this.#inFlight === 0) break;
        if (this.idle()) break;
        await this.wake.wait(this.#reading.done || book.full || this.#stopping ? 250 : 0);
      }
      await Promise.all(this.#running);
      await work.drained?.();
      await checkpoints.write(work, this.#stopping ?? 'done');
    } catch (err) {
      // The attempt fails (a report that cannot be written): its session stops too, or its
      // requests would go on after the activity ended. The next attempt waits its leases out.
      this.halt('failed');
      await Promise.all(this.#running);
      this.session.abandon();
      throw err;
    } finally {
      this.#offChange();
      this.#stop.abort(new Error('page ended'));
      await Promise.all([poller, beside].map((p) => p.catch(() => undefined)));
      await records.return?.(undefined);
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
    const eof = this.#reading.done && this.#reading.end === undefined && !stopping;
    await endSession(this.session, eof || stopping !== undefined ? 'holder' : 'epoch', signal);
    return {
      page: this.#input.page,
      // Lines after the first unsettled one are done again by the next page (one outcome each).
      next: this.#book.resumeAt(),
      eof,
      ...(stopping === 'paused' && { stopped: 'paused' as const }),
      ...(stopping === 'cancelled' && { stopped: 'cancelled' as const }),
      counters: this.#book.checkpointed,
      segments: this.#checkpoints.segments,
      sourceBytes: this.#sourceBytes,
      sourceIdentity: this.#checkpoints.sourceIdentity,
      windowTail: this.session.tail()[this.#api] ?? [],
      ...own,
      ...(this.#fatal && { error: this.#fatal }),
    };
  }
}
