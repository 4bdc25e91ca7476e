/**
 * One friend_import call and what it means, shared by the user import's friendImport activity
 * and a bulk job's page: send, classify the answer, and confirm with friend_check any refusal of an
 * item that may already be in the service (core/confirm.ts). Pacing and leases are the caller's.
 */
import { refusalsToConfirm, withConfirmed } from '../core/confirm.js';
import type { FriendImportAnswer, QueuedItem } from '../core/userImportTypes.js';
import { classifyFriendImport } from '../im/classify.js';
import type { ImClient } from '../im/node/client.js';
import { codeInfo, type CodeClass } from '../im/errorCodes.js';
import { ImHttpError, ImTransportError } from '../im/node/errors.js';
import { MAX_ITEMS_PER_CALL, type AddFriendItem } from '../im/schemas.js';

/** A call that got no business answer: what the retry policy decides on. */
export type CallFailure = { ok: false; class: CodeClass; code: number; info: string; retryAfterMs?: number };

type CallResult =
  { ok: true; answer: FriendImportAnswer; inconsistencies: string[]; confirmed: number } | CallFailure;

/** A transport error (HTTP, network, timeout) as a call failure; anything else is re-thrown. */
export function transportFailure(err: unknown, onCall?: (code: number) => void): CallFailure {
  if (!(err instanceof ImTransportError)) throw err;
  onCall?.(err.code);
  return {
    ok: false,
    class: codeInfo(err.code).class,
    code: err.code,
    info: err.message,
    ...(err instanceof ImHttpError && err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
  };
}

interface CallDeps {
  im: ImClient;
  /** Waits for a friend_check slot (the caller's pacing); returns the function to call when answered. */
  checkSlot: (signal?: AbortSignal) => Promise<() => void>;
  onCall?: (code: number) => void;
}

/** Sends one batch; `attempt` is which try of this batch it is (1 = first). */
export async function callFriendImport(
  deps: CallDeps,
  fromAccount: string,
  batch: readonly QueuedItem[],
  attempt: number,
  signal?: AbortSignal,
): Promise<CallResult> {
  const items: AddFriendItem[] = batch.map((q) => q.item);
  let response;
  try {
    response = await deps.im.friendImport({ From_Account: fromAccount, AddFriendItem: items }, { signal });
  } catch (err) {
    return transportFailure(err, deps.onCall);
  }
  deps.onCall?.(response.ErrorCode);
  const c = classifyFriendImport(
    items.map((i) => i.To_Account),
    response,
  );
  if (c.request.class !== 'ok') return { ok: false, ...c.request };
  let answer: FriendImportAnswer = {
    attempt,
    imported: c.imported,
    transient: c.transient,
    permanent: c.permanent,
    missing: c.missing,
    failAccounts: c.failAccounts,
    invalidAccounts: c.invalidAccounts,
  };
  const toConfirm = refusalsToConfirm(batch, answer);
  let confirmed = 0;
  if (toConfirm.length > 0) {
    const present = await presentFriends(deps, fromAccount, toConfirm, signal);
    answer = withConfirmed(answer, present);
    confirmed = present.size;
  }
  return { ok: true, answer, inconsistencies: c.inconsistencies, confirmed };
}

/**
 * Which of `toAccounts` are in `fromAccount`'s friend list, by friend_check. When the check
 * itself fails, none is taken as present: the refusal is recorded as the service gave it.
 */
export async function presentFriends(
  deps: Pick<CallDeps, 'im' | 'checkSlot'>,
  fromAccount: string,
  toAccounts: readonly string[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const present = new Set<string>();
  for (let i = 0; i < toAccounts.length; i += MAX_ITEMS_PER_CALL) {
    const chunk = toAccounts.slice(i, i + MAX_ITEMS_PER_CALL);
    const answered = await deps.checkSlot(signal);
    try {
      const res = await deps.im.call(
        'friendCheck',
        { From_Account: fromAccount, To_Account: chunk, CheckType: 'CheckResult_Type_Single' },
        { signal },
      );
      if (res.ErrorCode !== 0) continue;
      for (const info of res.InfoItem ?? [])
        if (
          info.ResultCode === 0 &&
          (info.Relation === 'CheckResult_Type_AWithB' || info.Relation === 'CheckResult_Type_BothWay')
        )
          present.add(info.To_Account);
    } catch (err) {
      if (!(err instanceof ImTransportError)) throw err;
    } finally {
      answered();
    }
  }
  return present;
}
