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
 * and reports them, so a verify that ran beside an import says so. What it does like an import's
 * page (following the job, reading, checkpoints, its end) is in activities/page/pageRun.ts.
 */
import { sleep } from '../page/sleep.js';
import { readWhole } from '../../formats/storage/files.js';
import { VerifyBook, type AbsentLookup, type CheckRun } from '../../core/verifyBook.js';
import { judgePairs, type ServiceView } from '../../core/verifyCompare.js';
import {
  differences,
  type VerifyApi,
  type VerifyPageInput,
  type VerifyPageProgress,
  type VerifyPageResult,
} from '../../core/verifyTypes.js';
import { verifyHolder, writersIn, WriterLog } from '../../core/verifyWatch.js';
import { coordinatorStateQuery, coordinatorWorkflowId } from '../../core/definitions.js';
import { RevokedError } from '../../coordination/holder/holder.js';
import { PageRun, type PageDeps } from '../page/pageRun.js';
import { startPage } from '../page/pageStart.js';
import { checkFriends, ConfigStop, getFriends, type ReadDeps } from './serviceReads.js';

export type VerifyPageDeps = PageDeps;

/** How often the page asks the coordinator who holds the users it has read. */
const WATCH_POLL_MS = 1_000;

export function createVerifyPage(deps: VerifyPageDeps) {
  return async function verifyPage(input: VerifyPageInput): Promise<VerifyPageResult> {
    const start = await startPage<VerifyPageProgress>(input, deps.roots);
    const previous = start.previous;
    await deps.roots.check({ "import job's failure list": input.expectedAbsentFile });
    const absent = input.expectedAbsentFile ? await loadAbsent(input.expectedAbsentFile, input) : undefined;
    const api: VerifyApi = input.fields ? 'friend_get' : 'friend_check';
    const book = new VerifyBook(
      { lookaheadItems: 1_000, maxBufferedPairs: 20_000 },
      start.resumeFrom,
      previous?.counters,
    );
    const writers = new WriterLog(previous?.writers);
    const run = new PageRun({ input, deps, start, book, holder: verifyHolder(input.jobId), api });
    const { ctx, session } = run;

    const coordinator = deps.client.workflow.getHandle(coordinatorWorkflowId(deps.im.sdkAppId));
    const watchOnce = async (): Promise<void> => {
      try {
        const state = await deps.client.withAbortSignal(run.signal, () =>
          coordinator.query(coordinatorStateQuery),
        );
        writers.note(writersIn(state, book.users, Date.now()));
      } catch {
        // No coordinator yet (our first lease request starts it) or it is between runs.
      }
    };
    const watch = async (): Promise<void> => {
      while (!run.signal.aborted && !run.idle()) {
        await watchOnce();
        await sleep(WATCH_POLL_MS, run.signal).catch(() => undefined);
      }
    };

    const reads: ReadDeps = {
      im: deps.im,
      slot: (a, signal) => session.slot(a, signal),
      onCall: () => void run.calls++,
      callSignal: ctx.cancellationSignal,
      log: (message, meta) => {
        ctx.log.info(message, meta);
      },
    };
    const checkRun = async (r: CheckRun): Promise<void> => {
      const asked = r.pairs.filter((p) => p.checkable).map((p) => p.toAccount);
      let view: ServiceView = { kind: 'read', friends: new Map() };
      try {
        if (asked.length > 0)
          view = input.fields
            ? await getFriends(reads, r.from, new Set(asked), run.signal)
            : await checkFriends(reads, r.from, asked, run.signal);
      } catch (err) {
        if (err instanceof ConfigStop) run.fail(err.message);
        else if (err instanceof RevokedError) run.halt('revoked');
        // Stopping (or a wrong setting): the run is done again by the next page or attempt.
        if (run.signal.aborted || ctx.cancellationSignal.aborted || err instanceof ConfigStop)
          return book.abandon(r.id);
        throw err;
      }
      book.complete(r.id, judgePairs(r.pairs, view, input.fields));
    };

    await run.run({
      add: (record, at, next) => book.add(record, at, next, absent),
      turn: () => {
        if (run.stopping) return;
        for (const r of book.ready(run.readerDone, run.room()))
          run.launch(
            () => checkRun(r),
            () => book.abandon(r.id),
          );
      },
      // One last look: a writer that came in since the last poll still counts.
      drained: watchOnce,
      alongside: watch,
      details: () => ({ writers: writers.list() }),
      live: () => ({
        usersRead: book.users.size,
        pairs: book.live.pairs,
        asExpected: book.live.present + book.live.absent,
        differ: differences(book.live),
      }),
    });
    return await run.finish('its rate share', { writers: writers.list() });
  };
}

/** The import job's permanent failures from this page's first line on (written by prepareVerify). */
async function loadAbsent(file: string, input: VerifyPageInput): Promise<AbsentLookup> {
  const reasons = new Map<string, string>();
  const text = await readWhole(file);
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
