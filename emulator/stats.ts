/**
 * What the emulator has seen: calls per route and code, the friend_import arrival rate (max in any
 * sliding second), the same arrival rate for every other vendor route (friend_check, friend_get …:
 * each API has its own limit), overlaps of writes for one user, per-item codes, and (optionally) a
 * call log.
 */
import { WindowCounter } from './rateWindow.js';
import type { EmulatorStats, FriendImportCall } from './types.js';

const MAX_OVERLAP_ACCOUNTS = 100;
/** The call log keeps at most this many entries (oldest dropped) so long runs stay bounded. */
const MAX_RECORDED_CALLS = 200_000;

export class StatsCollector {
  requests = 0;
  readonly #byRoute = new Map<string, Map<string, number>>();
  readonly #arrivals = new WindowCounter(1000);
  readonly #routeArrivals = new Map<string, WindowCounter>();
  readonly #itemCodes = new Map<string, number>();
  readonly #overlapAccounts: string[] = [];
  readonly #overlapsByRoute = new Map<string, number>();
  #calls: FriendImportCall[] = [];
  fiCalls = 0;
  overlaps = 0;
  rateLimited = 0;
  inFlight = 0;
  itemsImported = 0;
  itemsFailed = 0;

  constructor(readonly recordCalls: boolean) {}

  /** Counts one answer: `code` is the vendor ErrorCode, or a label such as `http502`. */
  answered(route: string, code: number | string): void {
    let codes = this.#byRoute.get(route);
    if (!codes) this.#byRoute.set(route, (codes = new Map<string, number>()));
    const key = String(code);
    codes.set(key, (codes.get(key) ?? 0) + 1);
  }

  /** A friend_import request arrived at `nowMs` (monotonic); returns its number since the last reset. */
  friendImportArrived(nowMs: number): number {
    this.#arrivals.add(nowMs);
    return ++this.fiCalls;
  }

  /** A request for another vendor route arrived at `nowMs` (monotonic). */
  routeArrived(route: string, nowMs: number): void {
    let w = this.#routeArrivals.get(route);
    if (!w) this.#routeArrivals.set(route, (w = new WindowCounter(1000)));
    w.add(nowMs);
  }

  overlap(fromAccount: string): void {
    this.overlaps++;
    if (this.#overlapAccounts.length < MAX_OVERLAP_ACCOUNTS && !this.#overlapAccounts.includes(fromAccount))
      this.#overlapAccounts.push(fromAccount);
  }

  /** A friend write other than friend_import arrived while another write for its user was in flight. */
  routeOverlap(route: string): void {
    this.#overlapsByRoute.set(route, (this.#overlapsByRoute.get(route) ?? 0) + 1);
  }

  /** Adds one answer's per-item codes (code → count). */
  items(codes: Record<string, number>): void {
    for (const key in codes) {
      const n = codes[key] as number;
      if (key === '0') this.itemsImported += n;
      else this.itemsFailed += n;
      this.#itemCodes.set(key, (this.#itemCodes.get(key) ?? 0) + n);
    }
  }

  record(call: FriendImportCall): void {
    if (!this.recordCalls) return;
    if (this.#calls.length >= MAX_RECORDED_CALLS) this.#calls = this.#calls.slice(MAX_RECORDED_CALLS / 2);
    this.#calls.push(call);
  }

  calls(): FriendImportCall[] {
    return this.#calls.slice();
  }

  snapshot(): EmulatorStats {
    const byRoute: EmulatorStats['byRoute'] = {};
    for (const [route, codes] of this.#byRoute) byRoute[route] = Object.fromEntries(codes);
    const maxInAnyWindowByRoute: EmulatorStats['maxInAnyWindowByRoute'] = {};
    for (const [route, w] of this.#routeArrivals) maxInAnyWindowByRoute[route] = w.max;
    return {
      requests: this.requests,
      byRoute,
      maxInAnyWindowByRoute,
      overlapsByRoute: Object.fromEntries(this.#overlapsByRoute),
      friendImport: {
        calls: this.fiCalls,
        maxCallsInAnyWindow: this.#arrivals.max,
        overlaps: this.overlaps,
        overlapAccounts: this.#overlapAccounts.slice(),
        rateLimited: this.rateLimited,
        inFlight: this.inFlight,
        itemsImported: this.itemsImported,
        itemsFailed: this.itemsFailed,
        itemCodes: Object.fromEntries(this.#itemCodes),
      },
    };
  }

  reset(): void {
    this.requests = 0;
    this.#byRoute.clear();
    this.#arrivals.reset();
    this.#routeArrivals.clear();
    this.#itemCodes.clear();
    this.#overlapAccounts.length = 0;
    this.#overlapsByRoute.clear();
    this.#calls = [];
    this.fiCalls = 0;
    this.overlaps = 0;
    this.rateLimited = 0;
    this.itemsImported = 0;
    this.itemsFailed = 0;
  }
}
