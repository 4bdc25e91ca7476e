/**
 * The friendImport activity of the user import: exactly one friend_import HTTP call for one
 * user's batch, classified by the retry policy (core/retry.ts):
 * - a business answer (full or partial success) is returned to the workflow;
 * - whole-request transient codes, HTTP 5xx, timeouts and resets throw retryable failures with a
 *   type per cause (`IM_TRANSIENT_30008`, `IM_TRANSIENT_-1502` for HTTP 502, …);
 * - rate-limit codes throw with `nextRetryDelay` (≥ 60 s for 70050);
 * - auth codes renew the admin UserSig and retry; if they persist it is a configuration error;
 * - permanent codes throw non-retryable; configuration codes throw non-retryable with what to fix.
 *
 * Before the call it leases the user and a share of the app's rate through the process's
 * ServiceHolder; if a bulk job holds the user (or no share frees up) within a short wait it
 * throws `IM_WAIT`, and the workflow waits and tries again.
 *
 * The same function is the quick path's local first try (ImportFriendsWorkflow): then it waits
 * less (the workflow task waits with it), and every refusal is confirmed with friend_check, since
 * a local try whose worker died left no trace and its redo may meet items the lost one wrote.
 * A failure it would retry is thrown retryable with its delay; the workflow goes on durably.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { FriendImportInput, ServiceActivities } from '../core/activities.js';
import { decideOnFailure, WAIT_FAILURE_TYPE } from '../core/retry.js';
import type { FriendImportAnswer, QueuedItem } from '../core/userImportTypes.js';
import type { ImClient } from '../im/node/client.js';
import { failureType, type CodeClass } from '../im/errorCodes.js';
import { WaitTimeout, type ServiceHolder } from '../coordination/holder/serviceHolder.js';
import { callFriendImport } from './importCall.js';

export type { FriendImportAnswer };

export interface FriendImportMetrics {
  call(code: number): void;
  items(imported: number, failed: number): void;
  rateLimitBackoff(code: number): void;
}

interface FriendImportDeps {
  im: ImClient;
  service: ServiceHolder;
  metrics?: FriendImportMetrics;
  /** How long a call may wait for its user and its rate share before the workflow waits instead. */
  maxWaitMs?: number;
  /** The same for the quick path's local first try (the workflow task waits with it). */
  localWaitMs?: number;
}

function throwFor(
  cls: CodeClass,
  code: number,
  info: string,
  attempt: number,
  deps: FriendImportDeps,
  retryAfterMs?: number,
): never {
  const verdict = decideOnFailure(cls, code, info, attempt, undefined, Math.random(), retryAfterMs);
  const details = [{ code, attempt, ...(verdict.action === 'retry' && { delayMs: verdict.delayMs }) }];
  switch (verdict.action) {
    case 'stop':
      throw ApplicationFailure.create({
        type: failureType('config', code),
        nonRetryable: true,
        message: verdict.message,
        details,
      });
    case 'fail':
      // Spent retries: the batch's calls (a local first try's included) reached the policy's maximum.
      if (verdict.kind === 'exhausted')
        throw ApplicationFailure.create({
          type: failureType(cls, code),
          message: verdict.reason,
          details,
          nonRetryable: true,
        });
      throw ApplicationFailure.create({
        type: failureType('permanent', code),
        nonRetryable: true,
        message: verdict.reason,
        details,
      });
    case 'retry':
      if (verdict.renewUserSig) deps.im.renewUserSig();
      if (cls === 'rateLimit') deps.metrics?.rateLimitBackoff(code);
      throw ApplicationFailure.create({
        type: failureType(cls, code),
        message: verdict.message,
        details,
        ...(cls === 'rateLimit' && { nextRetryDelay: verdict.delayMs }),
      });
  }
}

function wait(message: string): never {
  throw ApplicationFailure.create({ type: WAIT_FAILURE_TYPE, nonRetryable: true, message });
}

export function createFriendImportActivity(deps: FriendImportDeps): ServiceActivities['friendImport'] {
  return async function friendImport(input: FriendImportInput): Promise<FriendImportAnswer> {
    const ctx = Context.current();
    const local = ctx.info.isLocal;
    // One budget for the user's lease and the rate slot together; a local try's ends by `startBy`.
    const waitMs = local ? (deps.localWaitMs ?? 5_000) : (deps.maxWaitMs ?? 15_000);
    const waitUntil = Math.min(Date.now() + waitMs, input.startBy ?? Infinity);
    const left = (): number => Math.max(0, waitUntil - Date.now());
    // Which call of this batch this is: a local first try may have made one before this activity.
    const attempt = (input.sentBefore ?? 0) + ctx.info.attempt;
    const signal = ctx.cancellationSignal;
    const from = input.fromAccount;
    if (!(await deps.service.acquireUser(from, signal, left())))
      wait(`waiting for ${from}: another import (a bulk job) is writing for this user`);
    try {
      let answered: () => void;
      try {
        answered = await deps.service.slot('friend_import', signal, left());
      } catch (err) {
        if (err instanceof WaitTimeout) wait(`waiting for a share of the app's friend_import rate`);
        throw err;
      }
      // The send side of the app-wide rate: one line per call (retries included), stamped as it leaves.
      ctx.log.debug('friend_import call', {
        fromAccount: from,
        items: input.items.length,
        attempt,
        local,
      });
      const maybe = new Set(input.maybeLanded ?? []);
      const batch: QueuedItem[] = input.items.map((item, i) => ({
        submissionId: '',
        ref: i,
        item,
        attempts: 0,
        ...((local || maybe.has(item.To_Account)) && { maybeLanded: true }),
      }));
      let result;
      try {
        result = await callFriendImport(
          {
            im: deps.im,
            checkSlot: (s) => deps.service.slot('friend_check', s, waitMs),
            ...(deps.metrics && { onCall: (code: number) => deps.metrics?.call(code) }),
          },
          from,
          batch,
          attempt,
          signal,
        );
      } finally {
        answered();
      }
      if (!result.ok)
        return throwFor(result.class, result.code, result.info, attempt, deps, result.retryAfterMs);
      if (result.inconsistencies.length > 0)
        ctx.log.warn('friend_import answer is inconsistent', {
          fromAccount: from,
          notes: result.inconsistencies.slice(0, 5),
        });
      deps.metrics?.items(result.answer.imported.length, result.answer.permanent.length);
      return result.answer;
    } finally {
      deps.service.releaseUser(from);
    }
  };
}
