/**
 * A re-sent item must not turn a friend that landed the first time into a failure: the service's
 * answer for a friend that already exists is not documented (it may refuse it per item), so a
 * per-item refusal of an item that may have been written before is checked with friend_check, and
 * an item the service holds is recorded as imported. Pure: the caller makes the friend_check call.
 */
import type { FriendImportAnswer, QueuedItem } from './userImportTypes.js';

/** Refused items of this answer that may already be in the service (sent before, or re-sent now). */
export function refusalsToConfirm(batch: readonly QueuedItem[], answer: FriendImportAnswer): string[] {
  if (answer.permanent.length === 0) return [];
  const resent = answer.attempt > 1;
  const byAccount = new Map(batch.map((q) => [q.item.To_Account, q]));
  return answer.permanent
    .map((p) => p.toAccount)
    .filter((to) => {
      const q = byAccount.get(to);
      return q !== undefined && (resent || q.maybeLanded === true || q.attempts > 0);
    });
}

/** The answer with the refusals the service confirmed as present moved to `imported`. */
export function withConfirmed(answer: FriendImportAnswer, present: ReadonlySet<string>): FriendImportAnswer {
  if (present.size === 0) return answer;
  const confirmed = answer.permanent.filter((p) => present.has(p.toAccount));
  if (confirmed.length === 0) return answer;
  const drop = new Set(confirmed.map((p) => p.toAccount));
  return {
    ...answer,
    imported: [...answer.imported, ...confirmed.map((p) => p.toAccount)],
    permanent: answer.permanent.filter((p) => !drop.has(p.toAccount)),
    failAccounts: answer.failAccounts.filter((a) => !drop.has(a)),
    invalidAccounts: answer.invalidAccounts.filter((a) => !drop.has(a)),
  };
}
