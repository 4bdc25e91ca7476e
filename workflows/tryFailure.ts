/**
 * What a failed try of a user import's batch means for its run (userImport.ts): wait for a bulk
 * job that writes the user, stop for a setting no retry can fix, try again durably (a local first
 * try that failed transiently or timed out), or fail the batch's items with their code and calls.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { WAIT_FAILURE_TYPE } from '../core/retry.js';
import { parseFailureType } from '../im/errorCodes.js';
import { FRIEND_IMPORT_ACTIVITY_OPTIONS } from './policies.js';

export type FailureVerdict =
  | { wait: true; message: string }
  | { wait?: false; fatal: { message: string; type: string } }
  | { wait?: false; retry: true; delayMs: number; message: string }
  | {
      wait?: false;
      failure: { code: number; reason: string; kind: 'permanent' | 'exhausted' };
      calls: number;
    };

/**
 * A try that ended in a failure: wait for the user, stop (configuration), try again (a local
 * try that failed transiently, or timed out), or fail the batch's items.
 */
export function classifyFailure(err: unknown, local: boolean): FailureVerdict {
  // A local activity's failure may come as it was thrown, not wrapped in an ActivityFailure.
  const wrapped = err instanceof ActivityFailure;
  if (!wrapped && !(local && (err instanceof ApplicationFailure || err instanceof TimeoutFailure))) throw err;
  const cause = wrapped ? err.cause : err;
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  const message = cause?.message ?? err.message;
  if (type === WAIT_FAILURE_TYPE) return { wait: true, message };
  const parsed = parseFailureType(type);
  const detail =
    cause instanceof ApplicationFailure
      ? (cause.details?.[0] as { attempt?: number; calls?: number; delayMs?: number } | undefined)
      : undefined;
  if (parsed?.class === 'config') return { fatal: { message, type: type ?? 'IM_CONFIG' } };
  const maxAttempts = FRIEND_IMPORT_ACTIVITY_OPTIONS.retry?.maximumAttempts ?? 1;
  const calls = detail?.calls ?? detail?.attempt ?? (local ? 1 : maxAttempts);
  if (parsed?.class === 'permanent')
    return { failure: { code: parsed.code, reason: message, kind: 'permanent' }, calls };
  // A local try has no retries of its own: a retryable failure, or its timeout, goes on durably.
  const retryable =
    cause instanceof ApplicationFailure ? !cause.nonRetryable : cause instanceof TimeoutFailure;
  if (local && retryable) return { retry: true, delayMs: detail?.delayMs ?? 1_000, message };
  // Retries spent on a transient, rate-limit or auth code, or on timeouts.
  return {
    failure: {
      code: parsed?.code ?? 30006,
      reason: `${message} (transient; gave up after ${calls} attempts)`,
      kind: 'exhausted',
    },
    calls,
  };
}
