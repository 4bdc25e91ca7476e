/**
 * Whether a holder should send the app coordinator a request now (docs/architecture.md, one
 * writer per user and the app-wide rate). A holder asks this often, as a query, which costs no
 * history; it sends a request (an update, a few events) only when something is waiting for it:
 * someone wants a user it holds or covers, it was granted a user it waits for, its share must
 * shrink, or a larger one is free for it. So leases and rate shares move within a fraction of a
 * second, while a holder alone in the app sends almost nothing. Pure: a read of the state.
 */
import { APIS, type CoordinatorState } from './state.js';
import { fairShares, freeRates } from './shares.js';

export function needsAttention(s: CoordinatorState, holder: string, now: number): boolean {
  const h = s.holders[holder];
  // Unknown (its lease ran out, or it was never seen): it must ask again.
  if (!h) return true;
  if (h.untold.length > 0) return true;
  if (s.blanket === holder && s.blanketContended === true) return true;
  for (const [user, owner] of Object.entries(s.owners))
    if (owner === holder && (s.queues[user]?.length ?? 0) > 0) return true;
  const fair = fairShares(s)[holder] ?? {};
  const free = freeRates(s, now);
  for (const api of APIS) {
    const target = Math.min(fair[api] ?? 0, h.want[api] ?? 0);
    const have = h.allocated[api] ?? 0;
    if (have > (fair[api] ?? 0)) return true;
    if (have < target && (free[api] ?? 0) > 0) return true;
  }
  return false;
}
