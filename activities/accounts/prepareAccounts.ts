/**
 * The prepareAccounts activity (docs/cli.md, "Accounts first"): before a page of a bulk job with
 * `createAccounts` sends its friends, it reads the lines that page will read — from the same cursor,
 * with the same limits and the same reader (activities/page/pageReading.ts), so every line the page
 * can read is covered — collects the distinct accounts its valid items name (From_Account and
 * To_Account), checks them with account_check and creates the missing ones with multiaccount_import,
 * 100 a call, in slots of each API's app-wide rate from a holder session of its own (it leases no
 * users). The accounts that could not be created go to a small file in the report folder
 * (./accountsFile.ts); the page fails the items that name them.
 *
 * A retry starts again from the page's cursor: checking an account twice changes nothing, and the
 * accounts created by an earlier attempt now exist. Its heartbeat carries what earlier attempts
 * created and called, so the job's figures count each once.
 */
import { Context } from '@temporalio/activity';
import { setMaxListeners } from 'node:events';
import { ApplicationFailure } from '@temporalio/common';
import {
  accountsOf,
  emptyAccountTotals,
  MAX_ACCOUNTS_PER_ACCOUNT_CALL,
  SeenAccounts,
  type AccountCalls,
  type PrepareAccountsInput,
  type PrepareAccountsResult,
  type UncreatableAccount,
} from '../../core/accounts.js';
import type { SourceIdentity } from '../../core/jobTypes.js';
import { RevokedError } from '../../coordination/holder/holder.js';
import type { PageDeps } from '../page/pageRun.js';
import { openRecords, readSlice, startReading } from '../page/pageReading.js';
import { endSession, openPageSession } from '../page/pageSession.js';
import { checkedSourceIdentity } from '../page/pageStart.js';
import {
  AccountConfigStop,
  checkAccounts,
  createAccounts,
  type AccountApi,
  type AccountCallDeps,
} from './accountCalls.js';
import { accountsFileOf, writeAccountsFile } from './accountsFile.js';

export type PrepareAccountsDeps = Omit<PageDeps, 'client'>;

/** Batches of 100 accounts in flight at once: enough to keep 100 calls/s busy at 100 ms a call. */
const MAX_IN_FLIGHT = 16;
/** Batches read ahead of the calls. */
const MAX_QUEUED = 16;
/** Distinct accounts remembered within a page; past it some are checked twice (bounded memory). */
const MAX_SEEN = 200_000;
const HEARTBEAT_MS = 1_000;

/** What a retry carries from the attempts before it (its heartbeat details). */
interface Carried {
  created: number;
  calls: AccountCalls;
}

export function createPrepareAccounts(deps: PrepareAccountsDeps) {
  return async function prepareAccounts(input: PrepareAccountsInput): Promise<PrepareAccountsResult> {
    const ctx = Context.current();
    const carried = ctx.info.heartbeatDetails as Carried | undefined;
    await deps.roots.check({ source: input.source.path, 'report folder': input.reportDir });
    const identity = await currentIdentity(input);
    const totals = emptyAccountTotals();
    totals.created = carried?.created ?? 0;
    totals.calls = { ...emptyAccountTotals().calls, ...carried?.calls };
    const failed: UncreatableAccount[] = [];

    const session = openPageSession({
      deps,
      page: input.page,
      attempt: ctx.info.attempt,
      windowTail: [],
      holder: `accounts:${input.jobId}`,
      api: 'account_check',
      onError: (err) => {
        ctx.log.warn('lease request failed', { error: String(err) });
      },
    });
    session.want('multiaccount_import', deps.capacity.multiaccount_import ?? 0);
    void session.flush();

    // Stops the calls' waits when the attempt fails or is cancelled.
    const stop = new AbortController();
    const signal = AbortSignal.any([ctx.cancellationSignal, stop.signal]);
    // Each call and wait in flight (up to 16 checks at once) listens to it.
    setMaxListeners(64, signal);
    const calls: AccountCallDeps = {
      im: deps.im,
      slot: (api: AccountApi, signal) => session.slot(api, signal),
      onCall: (api) => void totals.calls[api]++,
      signal,
      log: (message, meta) => {
        ctx.log.info(message, meta);
      },
    };
    // The missing accounts of every check go into calls of 100: 2% missing is 1 create call in 50.
    const toCreate: string[] = [];
    const queued: { api: AccountApi; accounts: string[] }[] = [];
    /** account_check calls queued or running: the last few missing accounts wait for them. */
    let checks = 0;
    const cutCreates = (all: boolean): void => {
      while (toCreate.length >= MAX_ACCOUNTS_PER_ACCOUNT_CALL || (all && toCreate.length > 0))
        queued.unshift({
          api: 'multiaccount_import',
          accounts: toCreate.splice(0, MAX_ACCOUNTS_PER_ACCOUNT_CALL),
        });
    };
    const runTask = async (api: AccountApi, accounts: string[]): Promise<void> => {
      if (api === 'multiaccount_import') {
        const made = await createAccounts(calls, accounts);
        totals.created += made.created.length;
        failed.push(...made.failed);
        return;
      }
      const checked = await checkAccounts(calls, accounts);
      totals.checked += accounts.length;
      failed.push(...checked.refused);
      toCreate.push(...checked.missing);
      cutCreates(false);
    };

    const running = new Set<Promise<void>>();
    /** The first error of a call: the attempt fails with it. */
    const broken: { error?: Error } = {};
    const launch = (api: AccountApi, accounts: string[]): void => {
      const p: Promise<void> = runTask(api, accounts)
        .catch((err: unknown) => {
          broken.error ??= err instanceof Error ? err : new Error(String(err));
        })
        .finally(() => {
          if (api === 'account_check') checks--;
          running.delete(p);
        });
      running.add(p);
    };
    const check = (accounts: string[]): void => {
      checks++;
      queued.push({ api: 'account_check', accounts });
    };
    const batch: string[] = [];
    const seen = new SeenAccounts(MAX_SEEN);
    const reading = startReading(undefined);
    const records = openRecords(input.source, input.cursor, identity, () => undefined);
    let beatAt = 0;
    try {
      for (;;) {
        if (broken.error) throw broken.error;
        ctx.cancellationSignal.throwIfAborted();
        if (!reading.done)
          await readSlice(
            records,
            reading,
            input.limits,
            () => queued.length < MAX_QUEUED,
            (record) => {
              for (const account of accountsOf(record))
                if (seen.first(account) && batch.push(account) >= MAX_ACCOUNTS_PER_ACCOUNT_CALL)
                  check(batch.splice(0));
            },
          );
        if (reading.done && batch.length > 0) check(batch.splice(0));
        if (reading.done && checks === 0) cutCreates(true);
        while (queued.length > 0 && running.size < MAX_IN_FLIGHT) {
          const t = queued.shift() as (typeof queued)[number];
          launch(t.api, t.accounts);
        }
        if (performance.now() - beatAt >= HEARTBEAT_MS) {
          beatAt = performance.now();
          ctx.heartbeat({ created: totals.created, calls: totals.calls } satisfies Carried);
        }
        if (reading.done && queued.length === 0 && running.size === 0 && toCreate.length === 0) break;
        if (running.size > 0 && (reading.done || queued.length >= MAX_QUEUED))
          await firstOf(running, HEARTBEAT_MS);
      }
      // A batch may have failed after the loop's last look.
      const last = broken.error as Error | undefined;
      if (last) throw last;
    } catch (err) {
      stop.abort(err);
      await Promise.all(running);
      session.abandon();
      if (err instanceof AccountConfigStop) return { ...totals, failed: 0, error: err.message };
      if (err instanceof RevokedError)
        throw ApplicationFailure.retryable('a newer attempt of this step took over', 'PageRevoked');
      throw err;
    } finally {
      await records.return?.(undefined);
    }
    await endSession(session, 'holder', ctx.cancellationSignal);

    totals.failed = failed.length;
    const file = failed.length > 0 ? accountsFileOf(input.reportDir, input.page) : undefined;
    if (file) await writeAccountsFile(file, failed);
    return {
      ...totals,
      ...(file && { file }),
      ...(input.sourceIdentity === undefined && { sourceIdentity: identity }),
    };
  };
}

/** Waits for the first of `running` to end, or `ms` (so the loop heartbeats while calls run). */
async function firstOf(running: ReadonlySet<Promise<void>>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([...running, timeout]).finally(() => clearTimeout(timer));
}

/** The source as it is now; one that is not the job's any more stops the job, as a page does. */
async function currentIdentity(input: PrepareAccountsInput): Promise<SourceIdentity> {
  const now = await checkedSourceIdentity(input.source.path, input.sourceIdentity);
  return input.sourceIdentity ?? now;
}
