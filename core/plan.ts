/**
 * A job's plan before it runs (docs/cli.md, "Dry run"): the calls per API, the time they take at
 * the app's rates, and an estimate of the Temporal actions the job costs. Plain data in and out,
 * so `import --dry-run` and `sync --dry-run` say the same about the same numbers.
 *
 * Time: every API of a job runs at its own app-wide rate, and a job's phases run one after the
 * other (accounts first before each page's friends; a sync's deletes, then updates, then imports),
 * so the seconds add up. The rates are ceilings: a real job takes a little longer (bench/RESULTS.md
 * measures 0.95 of the rate on one page).
 */
import type { Api } from '../coordination/rules/state.js';

export type { Api };
export type ApiCounts = Partial<Record<Api, number>>;

/** The APIs in the order a job's phases run them, which is the order a plan lists them in. */
export const PLAN_ORDER: readonly Api[] = [
  'account_check',
  'multiaccount_import',
  'friend_delete',
  'friend_update',
  'friend_import',
  'friend_check',
  'friend_get',
];

/** Calls per second per API when none is configured (docs/configuration.md). */
export const DEFAULT_RATES: Readonly<Record<Api, number>> = {
  friend_import: 200,
  friend_update: 200,
  friend_delete: 200,
  friend_check: 200,
  friend_get: 200,
  account_check: 100,
  multiaccount_import: 100,
};

/** Items per page at most, the job's default beside `--page-lines` (workflows/pagedJob.ts). */
export const JOB_PAGE_ITEMS = 2_000_000;

/** Accounts one account_check (or multiaccount_import) call takes at most. */
export const ACCOUNTS_PER_CALL = 100;

/**
 * What a job's Temporal traffic costs per page-second and per page, read off the workers' settings
 * and checked against bench/RESULTS.md (run 7: one 52 s page, 20 lease updates, 27 heartbeats).
 */
export const TEMPORAL_COSTS = {
  /** A page's heartbeat reaches the server at most every 2 s (workers/worker.ts). */
  heartbeatsPerPageSecond: 0.5,
  /** A page asks its job for pause/cancel/concurrency every 0.4 s (activities/page/pageRun.ts). */
  queriesPerPageSecond: 2.5,
  /** Lease renewals and hand-overs at the app coordinator, as measured (20 in 52 s). */
  leaseUpdatesPerPageSecond: 0.35,
  /** An activity's first lease request and its last (it gives its users back): per page activity. */
  leaseUpdatesPerActivity: 2,
  /** History events a page adds to the job's run (the run of a one-page job has 19 in all). */
  jobEventsPerPage: 8,
  /** A job's run continues as new after this many events (workflows/pagedJob.ts). */
  jobEventsPerRun: 2_500,
} as const;

export interface PlanInput {
  /** Calls per API the job makes (at least). */
  calls: ApiCounts;
  /** APIs whose count is a ceiling, not a count: "up to" (multiaccount_import before the check). */
  upTo?: readonly Api[];
  /** Calls per second per API; unset ones take DEFAULT_RATES. */
  rates?: ApiCounts;
  /** Pages the job runs (each one activity; at least 1 for a job that runs at all). */
  pages: number;
  /** Activities per page besides the page itself (accounts first: prepareAccounts). */
  extraActivitiesPerPage?: number;
  /** Activities once at the end (the report: finalizeReport). Default 1. */
  endActivities?: number;
}

export interface TemporalActions {
  /** An estimate: see docs/cli.md, "Dry run", for what is counted and what is not. */
  total: number;
  breakdown: {
    /** The job's workflow start and each continue-as-new. */
    workflowRuns: number;
    /** Activity attempts with no retries: pages, per-page and end activities. */
    activities: number;
    heartbeats: number;
    /** The page's control queries (Temporal Cloud bills queries). */
    queries: number;
    /** Lease requests to the app coordinator (Updates). */
    leaseUpdates: number;
    /** The job publishes its state to the UI after every page and at the end. */
    searchAttributeUpserts: number;
  };
}

export interface JobPlan {
  /** Calls per API, in PLAN_ORDER, only the APIs the job calls. */
  calls: ApiCounts;
  upTo: Api[];
  /** The rates the seconds are at. */
  rates: ApiCounts;
  seconds: {
    perApi: ApiCounts;
    /** Every call, the "up to" ones included: phases add up. */
    total: number;
  };
  /** Calls the job makes at least: every count but the "up to" ones. */
  minimumCalls: number;
  /** Calls with every "up to" at its ceiling. */
  maximumCalls: number;
  temporalActions: TemporalActions;
}

/** friend_import calls for users with these item counts: each user's items in batches of `batchSize`. */
export function batchedCalls(itemsPerUser: Iterable<number>, batchSize: number): number {
  let calls = 0;
  for (const n of itemsPerUser) calls += Math.ceil(n / batchSize);
  return calls;
}

/** account_check calls (≤ 100 accounts each) for this many distinct accounts. */
export function accountCalls(accounts: number): number {
  return Math.ceil(accounts / ACCOUNTS_PER_CALL);
}

export function estimateTemporalActions(
  pages: number,
  pageSeconds: number,
  perPage: { extraActivitiesPerPage?: number; endActivities?: number } = {},
): TemporalActions {
  const c = TEMPORAL_COSTS;
  const pageActivities = pages * (1 + (perPage.extraActivitiesPerPage ?? 0));
  const breakdown = {
    workflowRuns: 1 + Math.floor((pages * c.jobEventsPerPage) / c.jobEventsPerRun),
    activities: pageActivities + (perPage.endActivities ?? 1),
    heartbeats: Math.ceil(pageSeconds * c.heartbeatsPerPageSecond),
    queries: Math.ceil(pageSeconds * c.queriesPerPageSecond),
    leaseUpdates:
      pageActivities * c.leaseUpdatesPerActivity + Math.ceil(pageSeconds * c.leaseUpdatesPerPageSecond),
    searchAttributeUpserts: pages + 1,
  };
  const total = Object.values(breakdown).reduce((n, x) => n + x, 0);
  return { total, breakdown };
}

const sumOf = (counts: ApiCounts, keep: (api: Api) => boolean): number =>
  PLAN_ORDER.reduce((n, api) => n + (keep(api) ? (counts[api] ?? 0) : 0), 0);

/** The plan of a job that makes `calls` over `pages` pages at `rates`. */
export function planJob(input: PlanInput): JobPlan {
  const upTo = PLAN_ORDER.filter((api) => input.upTo?.includes(api) && (input.calls[api] ?? 0) > 0);
  const calls: ApiCounts = {};
  const rates: ApiCounts = {};
  const perApi: ApiCounts = {};
  for (const api of PLAN_ORDER) {
    const n = input.calls[api];
    if (n === undefined || n <= 0) continue;
    const rate = input.rates?.[api] ?? DEFAULT_RATES[api];
    calls[api] = n;
    rates[api] = rate;
    perApi[api] = n / rate;
  }
  const total = sumOf(perApi, () => true);
  const pages = Math.max(0, input.pages);
  return {
    calls,
    upTo,
    rates,
    seconds: { perApi, total },
    minimumCalls: sumOf(calls, (api) => !upTo.includes(api)),
    maximumCalls: sumOf(calls, () => true),
    temporalActions: estimateTemporalActions(pages, total, input),
  };
}
