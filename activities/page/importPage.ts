/**
 * The importPage activity: one page of a bulk job, made into friend_import calls by this activity
 * itself (docs/architecture.md, the bulk path). It streams its lines from the cursor, keeps each
 * open user's ledger (core/pageBook.ts), leases the users and a share of the app's rate from the
 * app coordinator, makes one call per user at a time, retries as the retry policy says, confirms
 * refusals of re-sent items with friend_check, and checkpoints in file order: outcome files first,
 * then a heartbeat that names them, so a retried page resumes where the last checkpoint stood.
 *
 * It watches its job through a query every half second: a pause stops new calls within a second,
 * a cancel ends every item read and not sent as `cancelled`, and the concurrency can change. What
 * it does like a verify page (following the job, reading, checkpoints, its end) is in ./pageRun.ts
 * and the parts it names.
 */
import { sleep } from './sleep.js';
import type { PageInput, PageProgress, PageResult } from '../../core/jobTypes.js';
import { PageBook } from '../../core/pageBook.js';
import { decideOnFailure } from '../../core/retry.js';
import type { QueuedItem } from '../../core/userImportTypes.js';
import { RevokedError } from '../../coordination/holder/holder.js';
import { callFriendImport, presentFriends } from '../importCall.js';
import { callFriendWrite } from '../friendWriteCall.js';
import { OP_API } from '../../core/syncTypes.js';
import { DEFAULT_UPDATE_ITEMS_PER_CALL } from '../../im/friendUpdateSchemas.js';
import { MAX_DELETE_ACCOUNTS_PER_CALL } from '../../im/friendDeleteSchemas.js';
import { failUncreatable } from '../../core/accounts.js';
import { readAccountsFile } from '../accounts/accountsFile.js';
import { PageRun, type PageDeps } from './pageRun.js';
import { startPage } from './pageStart.js';

export interface ImportPageDeps extends PageDeps {
  batchSize: number;
  maxBatchBytes?: number;
  maxItemAttempts?: number;
  onCall?: (code: number) => void;
}

/** Batches cut and waiting for a call slot at most (the rest of the items wait unparsed-for-longer). */
const MAX_WAITING_FOR_SLOT = 4;
/**
 * Items read ahead, in full batches: enough users that the calls in flight stay busy when each
 * user fills several batches (one call per user at a time), yet a bounded memory (32,000 items ≈
 * 15 MiB).
 */
const READ_AHEAD_BATCHES = 32;

export function createImportPage(deps: ImportPageDeps) {
  return async function importPage(input: PageInput): Promise<PageResult> {
    const start = await startPage<PageProgress>(input, deps.roots);
    const uncreatable = await readAccountsFile(input.accountFailures);
    // A sync's page writes friend_update or friend_delete batches with the same book and leases.
    const op = input.op ?? 'import';
    const api = OP_API[op];
    const batchSize =
      op === 'update'
        ? (input.updateBatch ?? DEFAULT_UPDATE_ITEMS_PER_CALL)
        : op === 'delete'
          ? MAX_DELETE_ACCOUNTS_PER_CALL
          : deps.batchSize;
    const book = new PageBook(
      {
        batchSize,
        maxBatchBytes: deps.maxBatchBytes ?? 1_000_000,
        maxItemAttempts: deps.maxItemAttempts ?? 5,
        lookaheadItems: 1_000,
        maxBufferedItems: Math.max(4_000, batchSize * READ_AHEAD_BATCHES),
        resumed: start.attempt > 1 || input.resumed === true,
      },
      start.resumeFrom,
      start.previous?.counters,
    );
    const run = new PageRun({
      input,
      deps,
      start,
      book,
      holder: `job:${input.jobId}`,
      api,
      // Alone in the app, a page holds every user no one else holds, without naming them; else it
      // names its users, gathered into one request a second (sooner when it has nothing to do).
      session: { blanket: true, gatherMs: 1_000 },
    });
    const { ctx, session } = run;
    let waitingForSlot = 0;

    /**
     * One user's batch, retried here per call by the one policy in core/retry.ts, not by Temporal:
     * a page's activity holds the calls in flight of up to the job's concurrency of users, and its
     * checkpoint, so a Temporal retry would restart all of it from that checkpoint for one call's
     * transient failure. The user import's activity is a single call: there Temporal applies the
     * same policy (workflows/policies.ts).
     */
    const runUser = async (from: string): Promise<void> => {
      const batch: QueuedItem[] = book.takeBatch(from);
      if (batch.length === 0) return;
      for (let tryNo = 1; ; tryNo++) {
        if (run.stopping) return settleStopped(from, batch, tryNo - 1);
        let answered: () => void;
        waitingForSlot++;
        try {
          answered = await session.slot(api, run.signal);
        } catch (err) {
          if (err instanceof RevokedError) run.halt('revoked');
          return settleStopped(from, batch, tryNo - 1);
        } finally {
          waitingForSlot--;
        }
        run.calls++;
        let result;
        try {
          result =
            op !== 'import'
              ? await callFriendWrite(
                  op,
                  { im: deps.im, ...(deps.onCall && { onCall: deps.onCall }) },
                  from,
                  batch,
                  tryNo,
                )
              : await callFriendImport(
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
            ctx.log.warn(`${api} answer is inconsistent`, {
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
          result.retryAfterMs,
        );
        if (verdict.action === 'fail')
          return book.fail(
            from,
            batch,
            { code: verdict.code, reason: verdict.reason, kind: verdict.kind },
            tryNo,
          );
        if (verdict.action === 'stop') {
          run.fail(verdict.message);
          return book.abandon(from, batch, tryNo);
        }
        if (verdict.renewUserSig) deps.im.renewUserSig();
        ctx.log.info(verdict.message, { fromAccount: from, attempt: tryNo, delayMs: verdict.delayMs });
        try {
          await sleep(verdict.delayMs, run.signal);
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
      if (run.stopping !== 'cancelled') return book.abandon(from, batch, sent);
      const cancelled = {
        code: 'rejected' as const,
        reason: 'not sent: the job was cancelled',
        kind: 'cancelled' as const,
      };
      // An update or a delete whose answer was lost is simply done again by a re-run: no check.
      if (sent === 0 || ctx.cancellationSignal.aborted || op !== 'import')
        return book.fail(from, batch, cancelled, sent);
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

    await run.run({
      // Accounts first: an item naming an account that could not be created fails, unsent.
      add: (record, at, next) => book.add(failUncreatable(record, uncreatable), at, next),
      turn: () => {
        const toLease = book.toLease();
        if (toLease.length > 0) session.acquire(toLease);
        if (!run.stopping) {
          // Batches are cut only when a call could start soon: a batch waiting for its slot holds
          // its items in memory, so only a few wait at a time.
          const room = Math.max(0, Math.min(run.room(), MAX_WAITING_FOR_SLOT - waitingForSlot));
          const ready = book.ready(run.readerDone, room, (u) => session.holds(u));
          if (ready.length === 0 && room > 0 && book.buffered > 0) session.hurry();
          for (const from of ready) run.launch(() => runUser(from));
        }
        const done = book.done(run.readerDone || run.stopping !== undefined);
        // Another writer (a user import) waits for a user this page holds and is not calling for:
        // it goes now, even with items read for it, and is asked for again, so the page writes
        // them once the other is done (docs/architecture.md, one writer per user).
        const lent: string[] = [];
        for (const u of [...session.heldUsers()])
          if (session.isWanted(u) && !book.calling(u)) (book.idle(u) ? done : lent).push(u);
        book.lend(lent);
        if (done.length + lent.length > 0) session.release([...done, ...lent]);
      },
      drained: () => {
        if (run.stopping === 'cancelled') book.cancelAll('not sent: the job was cancelled');
        if (run.stopping === 'failed' && run.fatal) book.cancelAll(`not sent: ${run.fatal}`);
      },
      live: () => ({
        usersDone: book.usersRead - book.openUsers,
        usersRead: book.usersRead,
        imported: book.live.imported,
        failed: book.live.failed,
      }),
    });
    return await run.finish('its leases', {});
  };
}
