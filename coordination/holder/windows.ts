/**
 * A holder's calls per API: each API's own CallWindow paces them at the share the coordinator gave
 * the holder (docs/architecture.md, the app-wide rate). A share that shrinks is free for others
 * only once the holder reports that its window has drained to it (coordination/rules/leases.ts), so
 * every request states what the holder may still be using, and a drained shrink is reported at once.
 */
import { APIS, type Api, type Rates } from '../rules/state.js';
import { CallWindow } from './callWindow.js';

export type Windows = ReadonlyMap<Api, CallWindow>;

/** One window per API, each counting the previous incarnation's last second of calls. */
export function openWindows(tail?: Partial<Record<Api, number[]>>): Windows {
  const windows = new Map<Api, CallWindow>();
  for (const api of APIS) {
    const w = new CallWindow(0);
    const calls = tail?.[api];
    if (calls) w.preload(calls);
    windows.set(api, w);
  }
  return windows;
}

/** Calls that start from now on obey the new shares. */
export function setShares(windows: Windows, share: Rates): void {
  for (const [api, w] of windows) w.setLimit(share[api] ?? 0);
}

/**
 * What the holder may still be using per API: its share, or more while calls made under a larger
 * share still count in its window.
 */
export function inUse(windows: Windows, share: Rates): Rates {
  const bound: Rates = {};
  for (const [api, w] of windows) bound[api] = Math.max(share[api] ?? 0, w.counted());
  return bound;
}

/** The share of `api` shrank below what the coordinator was last told, and the window has drained to it. */
export function shrinkToReport(windows: Windows, share: Rates, reported: Rates, api: Api): boolean {
  const w = windows.get(api);
  return (share[api] ?? 0) < (reported[api] ?? Infinity) && w !== undefined && w.counted() <= w.limit;
}

/** The last second of calls per API, for the next incarnation (see CallWindow.preload). */
export function windowTails(windows: Windows): Partial<Record<Api, number[]>> {
  const out: Partial<Record<Api, number[]>> = {};
  for (const [api, w] of windows) {
    const t = w.tail();
    if (t.length > 0) out[api] = t;
  }
  return out;
}
