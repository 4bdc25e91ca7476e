/**
 * The verifyPage activity: one page of a verify job (docs/verify.md), built like the import's page
 * (activities/page/importPage.ts). It streams its lines from the cursor with the same reader, works
 * out per user what the service must hold (core/verifyBook.ts), and asks the service with
 * friend_check or friend_get, in slots of that API's rate that its holder session gets from the
 * app coordinator — a share, like any holder's, so a verify never crowds out an import's reads.
 * It checkpoints in file order: outcome files first, then a heartbeat that names them, so a retry
 * resumes where the last checkpoint stood and every pair keeps exactly one verdict.
 *
 * It leases no users: reading needs no lease, and leasing would hold imports up. Instead it asks
 * the coordinator once a second which live holders hold the users it has read (core/verifyWatch.ts)
 * and reports them, so a verify that ran beside an import says so.
 */
import { sleep } from '../page/sleep.js';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { setMaxListeners } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import type { Rates } from '../../core/leases.js';
import { MAX_CONCURRENCY, type JobControl } from '../../core/jobTypes.js';
import { VerifyBook, type AbsentLookup, type CheckRun } from '../../core/verifyBook.js';
import { judgePairs, type ServiceView } from '../../core/verifyCompare.js';
import type {
  VerifyApi,
  VerifyPageInput,
  VerifyPageProgress,
  VerifyPageResult,
} from '../../core/verifyTypes.js';
import { verifyHolder, writersIn, WriterLog } from '../../core/verifyWatch.js';
import type { ImClient } from '../../im/node/client.js';
import { coordinatorStateQuery, coordinatorWorkflowId } from '../../core/definitions.js';
import { endSession, HolderSession, RevokedError } from '../coordination/holder.js';
import type { LeaseSender } from '../coordination/transport.js';
import { followJobControl } from '../page/jobControl.js';
import { Wakeup } from '../page/wakeup.js';
import { dropOutcomesAfter, writeOutcomes } from '../report.js';
import { readRecords, SourceError, type SourceRecord } from '../source/stream.js';
import { checkFriends, ConfigStop, getFriends, type ReadDeps } from './serviceReads.js';

export interface VerifyPageDeps {
  im: ImClient;
  client: Client;
  sendLease: LeaseSender;
  /** The app's rate per API, as configured. */
  capacity: Rates;
  /** How long a lease of rate lasts without renewal (the page's heartbeat timeout is about as long). */
  leaseTtlMs?: number;
}

const CONTROL_POLL_MS = 400;
/** How often the page asks the coordinator who holds the users it has read. */
const WATCH_POLL_MS = 1_000;
const CHECKPOINT_EVERY_MS = 1_000;
const READ_SLICE_MS = 8;

export function createVerifyPage(deps: VerifyPageDeps) {
  return async function verifyPage(input: VerifyPageInput): Promise<VerifyPageResult> {
    const ctx = Context.current();
    const attempt = ctx.info.attempt;
    const previous = ctx.info.heartbeatDetails as VerifyPageProgress | undefined;
    const resumeFrom = previous?.resumeAt ?? input.cursor;
    let segments = previous?.segments ?? 0;
    const carriedCalls = previous?.counters.calls ?? 0;
    await dropOutcomesAfter(input.reportDir, input.page, segments);

    const sourceBytes = await stat(input.source.path).then(
      (s) => s.size,
      (err: Error) => {
        throw ApplicationFailure.nonRetryable(
          `cannot read ${input.source.path}: ${err.message}`,
          'SourceUnreadable',
        );
      },
    );
    const absent = input.expectedAbsentFile ? await loadAbsent(input.expectedAbsentFile, input) : undefined;
    const api: VerifyApi = input.fields ? 'friend_get' : 'friend_check';
    const book = new VerifyBook(
      { lookaheadItems: 1_000, maxBufferedPairs: 20_000 },
      resumeFrom,
      previous?.counters,
    );
    const writers = new WriterLog(previous?.writers);
    const wake = new Wakeup();
    const stop = new AbortController();
    // Every run in flight may wait for a call slot on this signal (up to the job's concurrency).
    setMaxListeners(MAX_CONCURRENCY + 16, stop.signal);
    const holder = verifyHolder(input.jobId);
    const session = new HolderSession({
      send: deps.sendLease,
      holder,
      generation: input.page * 1_000 + Math.min(attempt, 999),
      ttlMs: deps.leaseTtlMs ?? 20_000,
      capacity: deps.capacity,
      want: { [api]: deps.capacity[api] ?? 0 },
      ...(attempt === 1 && { tail: { [api]: input.windowTail } }),
      callBudgetMs: deps.im.timeoutMs + 2_000,
      onError: (err) => {
        ctx.log.warn('lease request failed', { error: String(err) });
      },
    });
    const offChange = session.onChange(() => {
      if (session.revoked) halt('revoked');
      wake.now();
    });

    let control: JobControl = { state: 'running', concurrency: input.concurrency };
    let stopping: 'paused' | 'cancelled' | 'failed' | 'revoked' | undefined;
    let fatal: string | undefined;
    let calls = 0;
    let inFlight = 0;
    let readerDone = false;
    let pageEnd: VerifyPageInput['cursor'] | undefined;
    // A retry resumes partway: the page's limits count from where the page began, not the retry.
    let linesThisPage = previous?.counters.lines ?? 0;
    let itemsThisPage = previous?.counters.items ?? 0;
    let lastUser: string | undefined;
    let lastCheckpoint = performance.now();
    const running = new Set<Promise<void>>();

    function halt(why: NonNullable<typeof stopping>): void {
      if (stopping) return;
      stopping = why;
      stop.abort(new Error(`page stopping: ${why}`));
      wake.now();
    }
    ctx.cancellationSignal.addEventListener('abort', () => halt('failed'), { once: true });
    const idle = (): boolean => readerDone && inFlight === 0 && book.openRuns === 0;

    const pollControl = (): Promise<void> =>
      followJobControl({
        client: deps.client,
        jobWorkflowId: input.jobWorkflowId,
        signal: stop.signal,
        everyMs: CONTROL_POLL_MS,
        done: idle,
        onControl: (c) => {
          control = c;
          if (c.state === 'paused') halt('paused');
          if (c.state === 'cancelling' || c.state === 'cancelled') halt('cancelled');
          wake.now();
        },
      });
    const coordinator = deps.client.workflow.getHandle(coordinatorWorkflowId(deps.im.sdkAppId));
    const watchOnce = async (): Promise<void> => {
      try {
        const state = await deps.client.withAbortSignal(stop.signal, () =>
          coordinator.query(coordinatorStateQuery),
        );
        writers.note(writersIn(state, book.users, Date.now()));
      } catch {
        // No coordinator yet (our first lease request starts it) or it is between runs.
      }
    };
    const watch = async (): Promise<void> => {
      while (!stop.signal.aborted && !idle()) {
        await watchOnce();
        await sleep(WATCH_POLL_MS, stop.signal).catch(() => undefined);
      }
    };

    const records = readRecords(input.source.path, input.source.format, resumeFrom)[Symbol.asyncIterator]();
    const fill = async (): Promise<void> => {
      const until = performance.now() + READ_SLICE_MS;
      while (!readerDone && !stopping && !book.full && performance.now() < until) {
        let next: IteratorResult<SourceRecord>;
        try {
          next = await records.next();
        } catch (err) {
          if (err instanceof SourceError)
            throw ApplicationFailure.nonRetryable(err.message, 'SourceUnreadable');
          throw err;
        }
        if (next.done) {
          readerDone = true;
          break;
        }
        const { record, start, next: after } = next.value;
        // The same page limits as an import's, and never in the middle of one user's rows.
        const sameUser = record.fromAccount !== undefined && record.fromAccount === lastUser;
        const overLimit = linesThisPage >= input.limits.maxLines || itemsThisPage >= input.limits.maxItems;
        if (overLimit && (!sameUser || linesThisPage >= input.limits.maxLines * 4) && linesThisPage > 0) {
          pageEnd = start;
          readerDone = true;
          break;
        }
        linesThisPage++;
        itemsThisPage += record.itemCount;
        lastUser = record.fromAccount;
        book.add(record, start, after, absent);
      }
    };

    const reads: ReadDeps = {
      im: deps.im,
      slot: (a, signal) => session.slot(a, signal),
      onCall: () => void calls++,
      callSignal: ctx.cancellationSignal,
      log: (message, meta) => {
        ctx.log.info(message, meta);
      },
    };
    const checkRun = async (run: CheckRun): Promise<void> => {
      const asked = run.pairs.filter((p) => p.checkable).map((p) => p.toAccount);
      let view: ServiceView = { kind: 'read', friends: new Map() };
      try {
        if (asked.length > 0)
          view = input.fields
            ? await getFriends(reads, run.from, new Set(asked), stop.signal)
            : await checkFriends(reads, run.from, asked, stop.signal);
      } catch (err) {
        if (err instanceof ConfigStop) {
          fatal ??= err.message;
          halt('failed');
        } else if (err instanceof RevokedError) halt('revoked');
        // Stopping (or a wrong setting): the run is done again by the next page or attempt.
        if (stop.signal.aborted || ctx.cancellationSignal.aborted || err instanceof ConfigStop)
          return book.abandon(run.id);
        throw err;
      }
      book.complete(run.id, judgePairs(run.pairs, view, input.fields));
    };

    const progress = (state: string): VerifyPageProgress => ({
      page: input.page,
      resumeAt: book.resumeAt(),
      segments,
      counters: book.checkpointed,
      writers: writers.list(),
      live: {
        usersRead: book.users.size,
        pairs: book.live.pairs,
        asExpected: book.live.present + book.live.absent,
        differ: book.live.missing + book.live.different + book.live.unexpected + book.live.unchecked,
        calls: carriedCalls + calls,
        inFlight,
        linesRead: book.live.lines,
        items: book.live.items,
        bytesRead: book.readHead.offset,
        sourceBytes,
        state,
      },
    });
    const checkpoint = async (state: string): Promise<void> => {
      lastCheckpoint = performance.now();
      const settled = book.settle();
      if (settled) await writeOutcomes(input.reportDir, input.page, ++segments, settled.outcomes);
      book.syncCalls(carriedCalls + calls);
      ctx.heartbeat(progress(state));
    };

    const poller = pollControl();
    const watcher = watch();
    try {
      ctx.heartbeat(progress('starting'));
      for (;;) {
        if (!stopping) await fill();
        if (!stopping) {
          const room = Math.max(0, Math.min(control.concurrency, MAX_CONCURRENCY) - inFlight);
          for (const run of book.ready(readerDone, room)) {
            inFlight++;
            const p: Promise<void> = checkRun(run)
              .catch((err: unknown) => {
                fatal ??= `unexpected error: ${String(err)}`;
                halt('failed');
                book.abandon(run.id);
              })
              .finally(() => {
                inFlight--;
                running.delete(p);
                wake.now();
              });
            running.add(p);
          }
        }
        if (performance.now() - lastCheckpoint >= CHECKPOINT_EVERY_MS)
          await checkpoint(stopping ?? 'running');
        if (stopping && inFlight === 0) break;
        if (idle()) break;
        await wake.wait(readerDone || book.full || stopping ? 250 : 0);
      }
      await Promise.all(running);
      // One last look: a writer that came in since the last poll still counts.
      await watchOnce();
      await checkpoint(stopping ?? 'done');
    } finally {
      offChange();
      stop.abort(new Error('page ended'));
      await Promise.all([poller, watcher].map((p) => p.catch(() => undefined)));
      await records.return?.(undefined);
    }

    if (stopping === 'revoked')
      throw ApplicationFailure.retryable(
        'a newer attempt of this page took over its rate share',
        'PageRevoked',
      );
    if (ctx.cancellationSignal.aborted && !fatal) {
      session.abandon();
      throw ApplicationFailure.retryable(
        'the page was cancelled (worker shutting down or timed out)',
        'PageInterrupted',
      );
    }
    const eof = readerDone && pageEnd === undefined && !stopping;
    await endSession(session, eof || stopping !== undefined ? 'holder' : 'epoch', ctx.cancellationSignal);
    return {
      page: input.page,
      next: book.resumeAt(),
      eof,
      ...(stopping === 'paused' && { stopped: 'paused' as const }),
      ...(stopping === 'cancelled' && { stopped: 'cancelled' as const }),
      counters: book.checkpointed,
      segments,
      sourceBytes,
      windowTail: session.tail()[api] ?? [],
      writers: writers.list(),
      ...(fatal && { error: fatal }),
    };
  };
}

/** The import job's permanent failures from this page's first line on (written by prepareVerify). */
async function loadAbsent(file: string, input: VerifyPageInput): Promise<AbsentLookup> {
  const reasons = new Map<string, string>();
  const text = await readFile(file, 'utf8');
  for (const line of text.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { line: number; fromAccount: string; toAccount: string; reason: string };
    if (r.line >= input.cursor.line) reasons.set(`${r.line}\t${r.fromAccount}\t${r.toAccount}`, r.reason);
  }
  const job = input.importJobId ? `import job ${input.importJobId}` : 'the import job';
  return (line, from, to) => {
    const reason = reasons.get(`${line}\t${from}\t${to}`);
    return reason === undefined ? undefined : `${job} failed it: ${reason}`;
  };
}

export type VerifyPageActivity = ReturnType<typeof createVerifyPage>;
