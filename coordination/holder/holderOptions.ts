/** How a holder's session (./holder.ts) is set up: who it is, its lease, and what it asks for. */
import type { Api, Rates } from '../rules/state.js';
import type { LeaseSender } from './transport.js';

export interface HolderOptions {
  /** Sends one request to the coordinator (an Update); may throw, the holder retries. */
  send: LeaseSender;
  holder: string;
  generation: number;
  ttlMs: number;
  /** The app's rates as this process is configured. */
  capacity: Rates;
  /** Rates this holder wants from the start (more can be asked for with `want`). */
  want?: Rates;
  /** The previous incarnation's last second of calls, per API (see CallWindow.preload). */
  tail?: Partial<Record<Api, number[]>>;
  /** A call must end this long before the lease does (client timeout plus a margin). */
  callBudgetMs: number;
  /** Ask for the blanket (every user no one else holds) when it is free: a bulk job's page. */
  blanket?: boolean;
  /** Users asked for are gathered this long into one request (unless `hurry()`); default 0. */
  gatherMs?: number;
  /** How often to ask (by `send.peek`, a query) whether a request is due; default 150 ms. */
  peekMs?: number;
  onError?: (err: unknown) => void;
}
