/**
 * One friend_update or friend_delete call of a sync's page (docs/cli.md, `sync`), answered in the
 * shape a friend_import answer has, so the page's ledger (core/ledger.ts) settles, retries and
 * reports its items as it does an import's. Pacing and leases are the caller's.
 */
import type { FriendImportAnswer, QueuedItem } from '../core/userImportTypes.js';
import { snsItems } from '../core/syncDiff.js';
import type { SyncOp } from '../core/syncTypes.js';
import { classOf } from '../im/errorCodes.js';
import type { ImClient } from '../im/node/client.js';
import { transportFailure, type CallFailure } from './importCall.js';

type WriteResult = { ok: true; answer: FriendImportAnswer; inconsistencies: string[] } | CallFailure;

/**
 * friend_delete's "no friendship with the account": the pair is already gone, which is what the
 * delete wanted (a retry after a lost answer meets it too).
 */
const ALREADY_DELETED = 31704;

interface WriteDeps {
  im: ImClient;
  onCall?: (code: number) => void;
}

/** Sends one batch of one user's updates or deletes; `attempt` is which try of this batch it is. */
export async function callFriendWrite(
  op: Exclude<SyncOp, 'import'>,
  deps: WriteDeps,
  fromAccount: string,
  batch: readonly QueuedItem[],
  attempt: number,
  signal?: AbortSignal,
): Promise<WriteResult> {
  let response;
  try {
    response =
      op === 'delete'
        ? await deps.im.call(
            'friendDelete',
            {
              From_Account: fromAccount,
              To_Account: batch.map((q) => q.item.To_Account),
              DeleteType: 'Delete_Type_Single',
            },
            { signal },
          )
        : await deps.im.call(
            'friendUpdate',
            {
              From_Account: fromAccount,
              UpdateItem: batch.map((q) => ({ To_Account: q.item.To_Account, SnsItem: snsItems(q.item) })),
            },
            { signal },
          );
  } catch (err) {
    return transportFailure(err, deps.onCall);
  }
  deps.onCall?.(response.ErrorCode);
  if (response.ErrorCode !== 0 || response.ActionStatus !== 'OK') {
    const code = response.ErrorCode !== 0 ? response.ErrorCode : 30006;
    return { ok: false, class: classOf(code), code, info: response.ErrorInfo };
  }
  const api = op === 'delete' ? 'friend_delete' : 'friend_update';
  const answer: FriendImportAnswer = {
    attempt,
    imported: [],
    transient: [],
    permanent: [],
    missing: [],
    failAccounts: response.Fail_Account ?? [],
    invalidAccounts: [],
  };
  const inconsistencies: string[] = [];
  const sent = new Set(batch.map((q) => q.item.To_Account));
  const answered = new Set<string>();
  for (const r of response.ResultItem ?? []) {
    if (!sent.has(r.To_Account) || answered.has(r.To_Account)) {
      inconsistencies.push(`ResultItem names ${r.To_Account} unexpectedly`);
      continue;
    }
    answered.add(r.To_Account);
    if (r.ResultCode === 0 || (op === 'delete' && r.ResultCode === ALREADY_DELETED)) {
      answer.imported.push(r.To_Account);
      continue;
    }
    const item = {
      toAccount: r.To_Account,
      code: r.ResultCode,
      info: `${api}: ${r.ResultInfo || r.ResultCode}`,
    };
    const cls = classOf(r.ResultCode);
    if (cls === 'transient' || cls === 'rateLimit') answer.transient.push(item);
    else answer.permanent.push(item);
  }
  answer.missing = [...sent].filter((a) => !answered.has(a));
  return { ok: true, answer, inconsistencies };
}
