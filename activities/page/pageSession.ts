/**
 * A page attempt's holder session at the app coordinator (coordination/holder/holder.ts): the
 * users and the share of one API's rate its calls need. Each attempt is a new incarnation of the
 * page's holder, numbered by page and attempt, so a retry takes over the page's users and rate and
 * holds its calls until the attempt before it can no longer be calling.
 */
import { HolderSession } from '../../coordination/holder/holder.js';
import type { HolderOptions } from '../../coordination/holder/holderOptions.js';
import type { LeaseSender } from '../../coordination/holder/transport.js';
import type { Api, Rates } from '../../coordination/rules/state.js';

export function openPageSession(o: {
  deps: { sendLease: LeaseSender; capacity: Rates; leaseTtlMs?: number; im: { timeoutMs: number } };
  page: number;
  attempt: number;
  /** The previous page's last second of calls (they still count in this page's first second). */
  windowTail: number[];
  holder: string;
  api: Api;
  session?: Pick<HolderOptions, 'blanket' | 'gatherMs'>;
  onError: (err: unknown) => void;
}): HolderSession {
  const { deps, api } = o;
  return new HolderSession({
    send: deps.sendLease,
    holder: o.holder,
    generation: o.page * 1_000 + Math.min(o.attempt, 999),
    ttlMs: deps.leaseTtlMs ?? 20_000,
    capacity: deps.capacity,
    want: { [api]: deps.capacity[api] ?? 0 },
    ...(o.attempt === 1 && { tail: { [api]: o.windowTail } }),
    callBudgetMs: deps.im.timeoutMs + 2_000,
    ...o.session,
    onError: o.onError,
  });
}

/**
 * Ends a page's session without keeping its activity alive for long: a few short tries, none once
 * the activity is being cancelled (a worker shutting down may no longer run the coordinator). A
 * session not ended runs out with its lease, so this only makes the hand-over quicker.
 */
export async function endSession(
  session: HolderSession,
  kind: 'epoch' | 'holder',
  cancelled: AbortSignal,
): Promise<void> {
  if (cancelled.aborted) return session.abandon();
  await session.end(kind, 3, 5_000).catch(() => session.abandon());
}
