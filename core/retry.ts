/**
 * What to do when a friend_import call as a whole did not give a business answer (a whole-request
 * error code, an HTTP 5xx, a timeout, a reset): retry it after a delay, record its items as
 * failed, or stop because a setting is wrong. One policy for both paths: the friendImport
 * activity turns it into Temporal retry options and failures, a bulk job's page applies it itself.
 * See docs/architecture.md (right retries).
 */
import { codeInfo, type CodeClass } from '../im/errorCodes.js';
import type { FailureKind } from './userImportTypes.js';

/**
 * The failure type the friendImport activity throws when the app coordinator says to wait (a bulk
 * job holds the user, or no rate share is free yet): the workflow waits and sends the batch again,
 * without spending the batch's retries.
 */
export const WAIT_FAILURE_TYPE = 'IM_WAIT';

interface CallRetryPolicy {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** Attempts of one batch (the first call included) before its items fail as `exhausted`. */
  maximumAttempts: number;
  /** An auth code on this attempt or later means the key or the clock is wrong, not the UserSig. */
  authAttemptsBeforeConfigError: number;
}

/** 1 s, 2 s, 4 s … capped at 30 s, 8 attempts: about 1.5 minutes of transient failures per batch. */
export const CALL_RETRY_POLICY: CallRetryPolicy = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  maximumAttempts: 8,
  authAttemptsBeforeConfigError: 3,
};

type CallVerdict =
  | { action: 'retry'; delayMs: number; renewUserSig: boolean; message: string }
  | { action: 'fail'; code: number; kind: Extract<FailureKind, 'permanent' | 'exhausted'>; reason: string }
  | { action: 'stop'; code: number; message: string };

/** The backoff before attempt `attempt + 1` (attempt 1 failed → initial interval). */
function backoffMs(policy: CallRetryPolicy, attempt: number): number {
  const raw = policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1);
  return Math.min(policy.maximumIntervalMs, raw);
}

/** How a failed attempt reads, in words an operator can act on. */
function describeCode(code: number, info: string): string {
  return `${code} ${codeInfo(code).meaning}${info ? ` (${info})` : ''}`;
}

/**
 * Decides after attempt `attempt` of a batch failed with `code` (of class `cls`). `jitter` in
 * [0, 1) spreads rate-limit pauses so that many callers do not return in step. `retryAfterMs`:
 * how long the answer asked the caller to wait (HTTP Retry-After); a retry never comes sooner.
 */
export function decideOnFailure(
  cls: CodeClass,
  code: number,
  info: string,
  attempt: number,
  policy: CallRetryPolicy = CALL_RETRY_POLICY,
  jitter = 0,
  retryAfterMs = 0,
): CallVerdict {
  const detail = describeCode(code, info);
  const meaning = codeInfo(code);
  if (cls === 'config')
    return { action: 'stop', code, message: `configuration error ${detail}: ${meaning.advice}` };
  if (cls === 'permanent')
    return { action: 'fail', code, kind: 'permanent', reason: `friend_import refused: ${detail}` };
  if (cls === 'auth' && attempt >= policy.authAttemptsBeforeConfigError)
    return {
      action: 'stop',
      code,
      message: `configuration error ${detail}: the service keeps rejecting fresh UserSigs: check IM_SECRET_KEY and the clock`,
    };
  if (attempt >= policy.maximumAttempts)
    return {
      action: 'fail',
      code,
      kind: 'exhausted',
      reason: `${detail} (transient; gave up after ${attempt} attempts)`,
    };
  if (cls === 'rateLimit') {
    const base = Math.max(meaning.minDelayMs ?? 1_000, retryAfterMs);
    return {
      action: 'retry',
      delayMs: Math.round(base * (1 + 0.25 * jitter)),
      renewUserSig: false,
      message: `friend_import rate limited: ${detail}; backing off`,
    };
  }
  return {
    action: 'retry',
    delayMs: Math.max(backoffMs(policy, attempt), retryAfterMs),
    renewUserSig: cls === 'auth',
    message:
      cls === 'auth'
        ? `friend_import auth error: ${detail}; retrying with a fresh UserSig`
        : `friend_import failed: ${detail}; will retry`,
  };
}
