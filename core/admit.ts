/**
 * Admitting a submission into a user's ledger: items that failed their checks are recorded as
 * rejected, a submission delivered again adds nothing, and the last item for a friend wins over
 * the earlier ones still waiting (those end superseded). Pure, like the rest of the ledger.
 */
import type { AddFriendItem } from '../im/schemas.js';
import { fail, settle } from './ledgerRecord.js';
import type {
  ItemOutcome,
  LedgerState,
  QueuedItem,
  Settled,
  Submission,
  SubmissionAccepted,
} from './userImportTypes.js';

/** Submission IDs remembered for de-duplication of retried deliveries. */
const MAX_SEEN_SUBMISSIONS = 1_000;

function toAccountOf(raw: unknown): string {
  const to = (raw as { To_Account?: unknown } | null)?.To_Account;
  return typeof to === 'string' ? to : '';
}

/** The shape an item must have to be sent (its field limits were checked before submission). */
function isItem(raw: unknown): raw is AddFriendItem {
  const item = raw as Partial<AddFriendItem> | null;
  return (
    typeof item === 'object' &&
    item !== null &&
    typeof item.To_Account === 'string' &&
    typeof item.AddSource === 'string'
  );
}

/**
 * Admits a submission: items that failed their check are recorded as rejected; within the
 * submission and against items still waiting in the queue, the last item for a To_Account wins
 * and the earlier one is rejected as superseded.
 */
export function admit(
  state: LedgerState,
  submission: Submission,
): Settled & { accepted: SubmissionAccepted } {
  const out: ItemOutcome[] = [];
  if (state.seenSubmissions.includes(submission.id))
    return {
      accepted: { submissionId: submission.id, duplicate: true, accepted: 0, rejected: 0 },
      completed: [],
      outcomes: out,
    };
  state.seenSubmissions.push(submission.id);
  if (state.seenSubmissions.length > MAX_SEEN_SUBMISSIONS) state.seenSubmissions.shift();

  const total = submission.items.length;
  state.submissions[submission.id] = {
    id: submission.id,
    total,
    imported: 0,
    failed: 0,
    pending: total,
    failedByCode: {},
    calls: 0,
  };
  state.items += total;

  // Last one wins inside the submission: find each To_Account's last index first.
  const lastIndex = new Map<string, number>();
  submission.items.forEach((s, i) => lastIndex.set(toAccountOf(s.item), i));

  // Items already queued, by To_Account: looking each new item up here keeps admitting linear in
  // queue + submission, not their product.
  const queued = new Map<string, QueuedItem>();
  for (const w of state.queue) if (!queued.has(w.item.To_Account)) queued.set(w.item.To_Account, w);
  const superseded = new Set<QueuedItem>();
  const added: QueuedItem[] = [];

  let accepted = 0;
  let rejected = 0;
  submission.items.forEach((s, i) => {
    const q = { submissionId: submission.id, ref: s.ref ?? i };
    const toAccount = toAccountOf(s.item);
    if (s.rejected !== undefined || !isItem(s.item)) {
      rejected++;
      const reason =
        s.rejected ?? 'is not an AddFriendItem (submit items through the client library, which checks them)';
      fail(state, out, q, toAccount, { code: 'rejected', reason, kind: 'rejected' });
      return;
    }
    const last = lastIndex.get(toAccount);
    if (last !== i) {
      const laterRef = submission.items[last ?? i]?.ref ?? last;
      fail(state, out, q, toAccount, {
        code: 'superseded',
        reason: `To_Account ${toAccount} appears again later (${String(laterRef)}); the last one wins`,
        kind: 'superseded',
      });
      return;
    }
    const older = queued.get(toAccount);
    if (older) {
      queued.delete(toAccount);
      superseded.add(older);
      fail(state, out, older, toAccount, {
        code: 'superseded',
        reason: `superseded by a later item for To_Account ${toAccount} (${String(q.ref)}); the last one wins`,
        kind: 'superseded',
      });
    }
    const queuedItem: QueuedItem = { submissionId: q.submissionId, ref: q.ref, item: s.item, attempts: 0 };
    if (s.maybeLanded) queuedItem.maybeLanded = true;
    added.push(queuedItem);
    accepted++;
  });
  if (superseded.size > 0) state.queue = state.queue.filter((w) => !superseded.has(w));
  for (const q of added) state.queue.push(q);
  return {
    accepted: { submissionId: submission.id, duplicate: false, accepted, rejected },
    completed: settle(state),
    outcomes: out,
  };
}
