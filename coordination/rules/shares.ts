/**
 * The app's rate among holders: max-min fair shares of what each wants, work-conserving (what no
 * one wants goes to those that want some), given out only from rate that is free and not cooling.
 */
import { APIS, get, liveHolders, type CoordinatorState, type Holder, type Rates } from './state.js';

export function refreshCapacity(s: CoordinatorState): void {
  const live = liveHolders(s);
  for (const api of APIS) {
    const declared = live.map((h) => h.capacity[api]).filter((v): v is number => v !== undefined && v > 0);
    if (declared.length > 0) s.capacity[api] = Math.min(...declared);
  }
}

/**
 * Max-min fair shares of each API's rate among live holders, by what each wants; what no one
 * wants is shared out the same way among those that want some, so a holder alone gets the whole
 * rate whatever it asked for (it gives the surplus back, by the shrink rule, when others come).
 */
export function fairShares(s: CoordinatorState): Record<string, Rates> {
  const out: Record<string, Rates> = {};
  const live = liveHolders(s);
  for (const h of live) out[h.id] = {};
  for (const api of APIS) {
    const capacity = get(s.capacity, api);
    const wants = live.map((h) => ({ id: h.id, want: get(h.want, api) })).filter((w) => w.want > 0);
    const shares = waterFill(capacity, wants);
    const left = capacity - Object.values(shares).reduce((a, b) => a + b, 0);
    if (left > 0) {
      const more = waterFill(
        left,
        wants.map((w) => ({ id: w.id, want: capacity - (shares[w.id] ?? 0) })),
      );
      for (const [id, extra] of Object.entries(more)) shares[id] = (shares[id] ?? 0) + extra;
    }
    for (const [id, share] of Object.entries(shares)) {
      const rates = out[id];
      if (rates) rates[api] = share;
    }
  }
  return out;
}

/** Gives each claimant min(its want, λ), with λ such that the shares add up to `capacity` (or all wants). */
export function waterFill(capacity: number, wants: { id: string; want: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  let left = capacity;
  const sorted = [...wants].sort((a, b) => a.want - b.want || (a.id < b.id ? -1 : 1));
  sorted.forEach((w, i) => {
    const level = left / (sorted.length - i);
    const share = Math.min(w.want, level);
    out[w.id] = share;
    left -= share;
  });
  return out;
}

/** Rate not allocated to anyone and not cooling, per API. */
export function freeRates(s: CoordinatorState, now: number): Rates {
  const out: Rates = {};
  for (const api of APIS) {
    let used = 0;
    for (const h of Object.values(s.holders)) used += get(h.allocated, api);
    for (const c of s.cooling) if (c.until > now) used += get(c.rates, api);
    out[api] = Math.max(0, get(s.capacity, api) - used);
  }
  return out;
}

/**
 * Moves the holder's allocation toward its fair share: up from free rate, never down (a holder
 * shrinks by reporting `bound`); returns what it may use now.
 */
export function allocate(s: CoordinatorState, h: Holder, now: number): Rates {
  const fair = fairShares(s)[h.id] ?? {};
  const free = freeRates(s, now);
  const share: Rates = {};
  for (const api of APIS) {
    const target = get(fair, api);
    const have = get(h.allocated, api);
    if (have < target) h.allocated[api] = have + Math.min(target - have, get(free, api));
    const usable = Math.min(get(h.allocated, api), target);
    if (usable > 0) share[api] = usable;
    if (get(h.allocated, api) === 0) delete h.allocated[api];
  }
  return share;
}
