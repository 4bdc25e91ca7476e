/**
 * One companion call (a verify's reads, accounts first's checks and creations) in a slot of its
 * API's app-wide rate, tried again as a friend_import call is (core/retry.ts) until the service
 * gives a business answer or the policy gives up. What a given-up call means is the caller's.
 */
import { sleep } from './page/sleep.js';
import { decideOnFailure } from '../core/retry.js';
import { codeInfo } from '../im/errorCodes.js';
import type { ImClient } from '../im/node/client.js';
import { ImHttpError, ImTransportError } from '../im/node/errors.js';
import type { Envelope } from '../im/schemas.js';

export interface PacedDeps<A extends string> {
  im: ImClient;
  /** Waits for a call slot of `api`; returns the function to call with its answer. */
  slot(api: A, signal: AbortSignal): Promise<() => void>;
  /** Counts a call as it is sent. */
  onCall(api: A): void;
  log?: (message: string, meta: object) => void;
}

export type PacedOutcome<R> =
  { ok: true; res: R } | { ok: false; code: number; info: string; kind: 'permanent' | 'exhausted' };

/**
 * Sends until answered with code 0 or refused for good. `stop` makes the error to throw when a
 * setting is wrong (no retry can help: the job stops).
 */
export async function pacedCall<A extends string, R extends Envelope>(
  deps: PacedDeps<A>,
  api: A,
  signal: AbortSignal,
  send: () => Promise<R>,
  stop: (message: string) => Error,
): Promise<PacedOutcome<R>> {
  for (let attempt = 1; ; attempt++) {
    const answered = await deps.slot(api, signal);
    deps.onCall(api);
    let code: number;
    let info: string;
    let res: R | undefined;
    let retryAfterMs: number | undefined;
    try {
      res = await send();
      code = res.ErrorCode;
      info = res.ErrorInfo;
    } catch (err) {
      if (!(err instanceof ImTransportError)) throw err;
      code = err.code;
      info = err.message;
      if (err instanceof ImHttpError) retryAfterMs = err.retryAfterMs;
    } finally {
      answered();
    }
    if (code === 0 && res) return { ok: true, res };
    const verdict = decideOnFailure(
      codeInfo(code).class,
      code,
      info,
      attempt,
      undefined,
      Math.random(),
      retryAfterMs,
    );
    if (verdict.action === 'stop') throw stop(verdict.message);
    if (verdict.action === 'fail') return { ok: false, code, info, kind: verdict.kind };
    if (verdict.renewUserSig) deps.im.renewUserSig();
    deps.log?.(`${api} failed: ${code} ${info}; will retry`, { attempt, delayMs: verdict.delayMs });
    await sleep(verdict.delayMs, signal);
  }
}
