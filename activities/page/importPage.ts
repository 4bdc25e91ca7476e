/**
 * The importPage activity: one page of a bulk job, made into friend_import calls by this activity
 * itself (docs/architecture.md, the bulk path). It streams its lines from the cursor, keeps each
 * open user's ledger (core/pageBook.ts), leases the users and a share of the app's rate from the
 * app coordinator, makes one call per user at a time, retries as the retry policy says, confirms
 * refusals of re-sent items with friend_check, and checkpoints in file order: outcome files first,
 * then a heartbeat that names them, so a retried page resumes where the last checkpoint stood.
 *
 * It watches its job through a query every half second: a pause stops new calls within a second,
 * a cancel ends every item read and not sent as `cancelled`, and the concurrency can change.
 */
import { sleep } from './sleep.js';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { stat } from 'node:fs/promises';
import type { Rates } from '../../core/leases.js';
import { PageBook } from '../../core/pageBook.js';
import { decideOnFailure } from '../../core/retry.js';
import {
  MAX_CONCURRENCY,
  type JobControl,
  type PageInput,
  type PageProgress,
  type PageResult,
} from '../../core/jobTypes.js';
import type { QueuedItem } from '../../core/types.js';
import type { ImClient } from '../../im/node/client.js';
import { endSession, HolderSession, RevokedError } from '../coordination/holder.js';
import type { LeaseSender } from '../coordination/transport.js';
import { callFriendImport, presentFriends } from '../importCall.js';
import { dropOutcomesAfter, writeOutcomes } from '../report.js';
import { readRecords, SourceError, type SourceRecord } from '../source/stream.js';
import { followJobControl } from './jobControl.js';
import { Wakeup } from './wakeup.js';

export interface ImportPageDeps {
  im: ImClient;
  client: Client;
  sendLease: LeaseSender;
  /** The app's rate per API, as configured. */
  capacity: Rates;
  batchSize: number;
  maxBatchBytes?: number;
  maxItemAttempts?: number;
  /** How long a lease lasts without renewal (the page's heartbeat timeout is about as long). */
  leaseTtlMs?: number;
  onCall?: (code: number) => void;
}

/** How often the page asks its job whether it was paused, cancelled or re-sized. */
const CONTROL_POLL_MS = 400;
const CHECKPOINT_EVERY_MS = 1_000;
/** Batches cut and waiting for a call slot at most (the rest of the items wait unparsed-for-longer). */
const MAX_WAITING_FOR_SLOT = 4;
/** Reading yields to the calls after this much work. */
const READ_SLICE_MS = 8;

export function createImportPage(deps: ImportPageDeps) {
  return async function importPage(input: PageInput): Promise<PageResult> {
    const ctx = Context.current();
    const attempt = ctx.info.attempt;
    const previous = ctx.info.heartbeatDetails as PageProgress | undefined;
    const resumeFrom = previous?.resumeAt ?? input.cursor;
    let segments = previous?.segments ?? 0;
    const carried = previous?.counters;
    const carriedCalls = carried?.calls ?? 0;
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
    const book = new PageBook(
      {
        batchSize: deps.batchSize,
        maxBatchBytes: deps.maxBatchBytes ?? 1_000_000,
        maxItemAttempts: deps.maxItemAttempts ?? 5,
        lookaheadItems: 1_000,
        maxBufferedItems: Math.max(4_000, deps.batchSize * 4),
        resumed: attempt > 1 || input.resumed === true,
      },
      resumeFrom,
      carried,
    );
    const wake = new Wakeup();
    const stop = new AbortController();
    const ttlMs = deps.leaseTtlMs ?? 20_000;
    const session = new HolderSession({
      send: deps.sendLease,
      holder: `job:${input.jobId}`,
      generation: input.page * 1_000 + Math.min(attempt, 999),
      ttlMs,
      capacity: deps.capacity,
      want: { friend_import: deps.capacity.friend_import ?? 0 },
      ...(attempt === 1 && { tail: { friend_import: input.windowTail } }),
      callBudgetMs: deps.im.timeoutMs + 2_000,
      // Alone in the app, a page holds every user no one else holds, without naming them; else it
      // names its users, gathered into one request a second (sooner when it has nothing to do).
      blanket: true,
      gatherMs: 1_000,
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
    let waitingForSlot = 0;
    let readerDone = false;
    // A retry resumes partway: the page's limits count from where the page began, not the retry.
    let linesThisPage = carried?.lines ?? 0;
    let itemsThisPage = carried?.items ?? 0;
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

    const pollControl = (): Promise<void> =>
      followJobControl({
        client: deps.client,
        jobWorkflowId: input.jobWorkflowId,
        signal: stop.signal,
        everyMs: CONTROL_POLL_MS,
        done: () => readerDoneAndIdle(),
        onControl: (c) => {
          control = c;
          if (c.state === 'paused') halt('paused');
          if (c.state === 'cancelling' || c.state === 'cancelled') halt('cancelled');
          wake.now();
        },
      });
    const readerDoneAndIdle = (): boolean => readerDone && inFlight === 0 && book.buffered === 0;

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
        // A page ends at its limits, but not in the middle of one user's consecutive rows.
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
        book.add(record, start, after);
      }
    };
    let pageEnd: PageInput['cursor'] | undefined;

    const runUser = async (from: string): Promise<void> => {
      const batch: QueuedItem[] = book.takeBatch(from);
      if (batch.length === 0) return;
      for (let tryNo = 1; ; tryNo++) {
        if (stopping) return settleStopped(from, batch, tryNo - 1);
        let answered: () => void;
        waitingForSlot++;
        try {
          answered = await session.slot('friend_import', stop.signal);
        } catch (err) {
          if (err instanceof RevokedError) halt('revoked');
          return settleStopped(from, batch, tryNo - 1);
        } finally {
          waitingForSlot--;
        }
        calls++;
        let result;
        try {
          result = await callFriendImport(
            {
              im: deps.im,
              checkSlot: (signal) => session.slot('friend_check', signal),
              ...(deps.onCall && { onCall: deps.onCall }),
            },
            from,
            batch,
            tryNo,
            // A pause, a cancel, even a worker draining lets the call in flight finish (the
            // client's timeout bounds it): its items get their real outcomes, and the page can
            // then hand its users over at once instead of making the next attempt wait out its lease.
          );
        } catch (err) {
          answered();
          throw err;
        }
        answered();
        if (result.ok) {
          if (result.inconsistencies.length > 0)
            ctx.log.warn('friend_import answer is inconsistent', {
              fromAccount: from,
              notes: result.inconsistencies.slice(0, 5),
            });
          return book.answer(from, batch, result.answer);
        }
        const verdict = decideOnFailure(
          result.class,
          result.code,
          result.info,
          tryNo,
          undefined,
          Math.random(),
        );
        if (verdict.action === 'fail')
          return book.fail(
            from,
            batch,
            { code: verdict.code, reason: verdict.reason, kind: verdict.kind },
            tryNo,
          );
        if (verdict.action === 'stop') {
          fatal ??= verdict.message;
          halt('failed');
          return book.abandon(from, batch, tryNo);
        }
        if (verdict.renewUserSig) deps.im.renewUserSig();
        ctx.log.info(verdict.message, { fromAccount: from, attempt: tryNo, delayMs: verdict.delayMs });
        try {
          await sleep(verdict.delayMs, stop.signal);
        } catch {
          return settleStopped(from, batch, tryNo);
        }
      }
    };
    /**
     * A batch that will not be (re)sent because the page stops: on a pause it goes again on resume;
     * on a cancel its items end `cancelled` — unless an earlier try may have written them (it was
     * sent and the answer was lost), in which case the service is asked which it holds.
     */
    const settleStopped = async (from: string, batch: QueuedItem[], sent: number): Promise<void> => {
      if (stopping !== 'cancelled') return book.abandon(from, batch, sent);
      const cancelled = {
        code: 'rejected' as const,
        reason: 'not sent: the job was cancelled',
        kind: 'cancelled' as const,
      };
      if (sent === 0 || ctx.cancellationSignal.aborted) return book.fail(from, batch, cancelled, sent);
      const present = await presentFriends(
        { im: deps.im, checkSlot: (signal) => session.slot('friend_check', signal) },
        from,
        batch.map((q) => q.item.To_Account),
        ctx.cancellationSignal,
      ).catch(() => new Set<string>());
      const landed = batch.filter((q) => present.has(q.item.To_Account));
      const notSent = batch.filter((q) => !present.has(q.item.To_Account));
      if (landed.length > 0)
        book.answer(from, landed, {
          attempt: sent,
          imported: landed.map((q) => q.item.To_Account),
          transient: [],
          permanent: [],
          missing: [],
          failAccounts: [],
          invalidAccounts: [],
        });
      if (notSent.length > 0) book.fail(from, notSent, cancelled, landed.length > 0 ? 0 : sent);
    };

    const progress = (state: string): PageProgress => ({
      page: input.page,
      resumeAt: book.resumeAt(),
      segments,
      counters: book.checkpointed,
      live: {
        usersDone: book.usersRead - book.openUsers,
        usersRead: book.usersRead,
        imported: book.live.imported,
        failed: book.live.failed,
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
    try {
      ctx.heartbeat(progress('starting'));
      for (;;) {
        if (!stopping) await fill();
        const toLease = book.toLease();
        if (toLease.length > 0) session.acquire(toLease);
        if (!stopping) {
          // Batches are cut only when a call could start soon: a batch waiting for its slot holds
          // its items in memory, so only a few wait at a time.
          const room = Math.max(
            0,
            Math.min(
              Math.min(control.concurrency, MAX_CONCURRENCY) - inFlight,
              MAX_WAITING_FOR_SLOT - waitingForSlot,
            ),
          );
          const ready = book.ready(readerDone, room, (u) => session.holds(u));
          if (ready.length === 0 && room > 0 && book.buffered > 0) session.hurry();
          for (const from of ready) {
            inFlight++;
            const p: Promise<void> = runUser(from)
              .catch((err: unknown) => {
                fatal ??= `unexpected error: ${String(err)}`;
                halt('failed');
              })
              .finally(() => {
                inFlight--;
                running.delete(p);
                wake.now();
              });
            running.add(p);
          }
        }
        const done = book.done(readerDone || stopping !== undefined);
        for (const u of [...session.heldUsers()]) if (session.isWanted(u) && book.idle(u)) done.push(u);
        if (done.length > 0) session.release(done);
        if (performance.now() - lastCheckpoint >= CHECKPOINT_EVERY_MS)
          await checkpoint(stopping ?? 'running');
        if (stopping && inFlight === 0) break;
        if (readerDone && inFlight === 0 && book.buffered === 0) break;
        await wake.wait(readerDone || book.full || stopping ? 250 : 0);
      }
      await Promise.all(running);
      if (stopping === 'cancelled') book.cancelAll('not sent: the job was cancelled');
      if (stopping === 'failed' && fatal) book.cancelAll(`not sent: ${fatal}`);
      await checkpoint(stopping ?? 'done');
    } finally {
      offChange();
      stop.abort(new Error('page ended'));
      await poller.catch(() => undefined);
      await records.return?.(undefined);
    }

    if (stopping === 'revoked')
      throw ApplicationFailure.retryable('a newer attempt of this page took over its leases', 'PageRevoked');
    if (ctx.cancellationSignal.aborted && !fatal) {
      // Every call of this attempt is over: the next attempt may take over without waiting.
      await endSession(session, 'epoch', ctx.cancellationSignal);
      throw ApplicationFailure.retryable(
        'the page was cancelled (worker shutting down or timed out)',
        'PageInterrupted',
      );
    }
    const eof = readerDone && pageEnd === undefined && !stopping;
    const last = eof || stopping !== undefined;
    await endSession(session, last ? 'holder' : 'epoch', ctx.cancellationSignal);
    const counters = book.checkpointed;
    return {
      page: input.page,
      // Lines after the first unsettled one are done again by the next page (one outcome each).
      next: book.resumeAt(),
      eof,
      ...(stopping === 'paused' && { stopped: 'paused' as const }),
      ...(stopping === 'cancelled' && { stopped: 'cancelled' as const }),
      counters,
      segments,
      sourceBytes,
      windowTail: session.tail().friend_import ?? [],
      ...(fatal && { error: fatal }),
    };
  };
}

export type ImportPageActivity = ReturnType<typeof createImportPage>;
