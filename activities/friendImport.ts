/**
 * The friendImport activity: exactly one friend_import HTTP call, classified per G5.
 * - a business answer (full or partial success) is returned to the workflow;
 * - whole-request transient codes, HTTP 5xx, timeouts and resets throw retryable failures with a
 *   type per cause (`IM_TRANSIENT_30008`, `IM_TRANSIENT_-1502` for HTTP 502, …);
 * - rate-limit codes throw with `nextRetryDelay` (≥ 60 s for 70050);
 * - auth codes renew the admin UserSig and retry; if they persist it is a configuration error;
 * - permanent codes throw non-retryable; configuration codes throw non-retryable with what to fix.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { classifyFriendImport, type ClassifiedImport } from '../im/classify.js';
import type { ImClient } from '../im/client.js';
import { codeInfo, failureType, type CodeClass } from '../im/errorCodes.js';
import { ImTransportError } from '../im/errors.js';
import type { AddFriendItem } from '../im/schemas.js';
import type { CallWindow } from './callWindow.js';

export interface FriendImportInput {
  fromAccount: string;
  items: AddFriendItem[];
}

/** The service's answer, reduced to what the workflow records. */
export type FriendImportAnswer = Omit<ClassifiedImport, 'request' | 'inconsistencies'> & {
  /** Which attempt produced this answer (1 = first try): the calls this batch took. */
  attempt: number;
};

export interface FriendImportMetrics {
  call(code: number): void;
  items(imported: number, failed: number): void;
  rateLimitBackoff(code: number): void;
}

export interface FriendImportDeps {
  im: ImClient;
  /** App-wide call pacing shared by this worker's calls (see callWindow.ts). */
  window?: CallWindow;
  metrics?: FriendImportMetrics;
  /** Auth codes after this many attempts are treated as configuration errors. */
  authAttemptsBeforeConfigError?: number;
}

/** Extra pause for rate-limit codes, on top of their minimum, so many workers do not return in step. */
function jitter(ms: number): number {
  return Math.round(ms * (1 + Math.random() * 0.25));
}

function throwFor(cls: CodeClass, code: number, info: string, deps: FriendImportDeps): never {
  const meaning = codeInfo(code);
  const detail = `${code} ${meaning.meaning}${info ? ` (${info})` : ''}`;
  const type = failureType(cls, code);
  switch (cls) {
    case 'transient':
      throw ApplicationFailure.create({
        type,
        message: `friend_import failed: ${detail}; will retry`,
        details: [{ code, attempt: Context.current().info.attempt }],
      });
    case 'rateLimit':
      deps.metrics?.rateLimitBackoff(code);
      throw ApplicationFailure.create({
        type,
        message: `friend_import rate limited: ${detail}; backing off`,
        details: [{ code, attempt: Context.current().info.attempt }],
        nextRetryDelay: jitter(meaning.minDelayMs ?? 1000),
      });
    case 'auth': {
      const attempt = Context.current().info.attempt;
      if (attempt >= (deps.authAttemptsBeforeConfigError ?? 3))
        return throwFor(
          'config',
          code,
          `the service keeps rejecting fresh UserSigs: check IM_SECRET_KEY and the clock`,
          deps,
        );
      deps.im.renewUserSig();
      throw ApplicationFailure.create({
        type,
        message: `friend_import auth error: ${detail}; retrying with a fresh UserSig`,
        details: [{ code, attempt: Context.current().info.attempt }],
      });
    }
    case 'permanent':
      throw ApplicationFailure.create({
        type,
        nonRetryable: true,
        message: `friend_import refused: ${detail}`,
        details: [{ code, attempt: Context.current().info.attempt }],
      });
    case 'config':
      throw ApplicationFailure.create({
        type,
        nonRetryable: true,
        message: `configuration error ${detail}: ${meaning.advice}`,
        details: [{ code, attempt: Context.current().info.attempt }],
      });
  }
}

export function createFriendImportActivity(deps: FriendImportDeps) {
  return async function friendImport(input: FriendImportInput): Promise<FriendImportAnswer> {
    const ctx = Context.current();
    const answered = await deps.window?.acquire(ctx.cancellationSignal);
    // The send side of G2: one line per call (retries included), stamped as it leaves.
    ctx.log.debug('friend_import call', {
      fromAccount: input.fromAccount,
      items: input.items.length,
      attempt: ctx.info.attempt,
    });
    let response;
    try {
      response = await deps.im.friendImport(
        { From_Account: input.fromAccount, AddFriendItem: input.items },
        { signal: ctx.cancellationSignal },
      );
    } catch (err) {
      if (err instanceof ImTransportError) {
        deps.metrics?.call(err.code);
        return throwFor(codeInfo(err.code).class, err.code, err.message, deps);
      }
      throw err;
    } finally {
      answered?.();
    }
    deps.metrics?.call(response.ErrorCode);
    const sent = input.items.map((i) => i.To_Account);
    const c = classifyFriendImport(sent, response);
    if (c.request.class !== 'ok') return throwFor(c.request.class, c.request.code, c.request.info, deps);
    if (c.inconsistencies.length > 0)
      ctx.log.warn('friend_import answer is inconsistent', {
        fromAccount: input.fromAccount,
        notes: c.inconsistencies.slice(0, 5),
      });
    deps.metrics?.items(c.imported.length, c.permanent.length);
    return {
      attempt: ctx.info.attempt,
      imported: c.imported,
      transient: c.transient,
      permanent: c.permanent,
      missing: c.missing,
      failAccounts: c.failAccounts,
      invalidAccounts: c.invalidAccounts,
    };
  };
}

export type FriendImportActivity = ReturnType<typeof createFriendImportActivity>;
