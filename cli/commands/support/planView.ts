/**
 * The plan a dry run prints after its validation summary (docs/cli.md, "Dry run"): the counts the
 * file gave (core/planCount.ts) made into calls, seconds and Temporal actions (core/plan.ts).
 */
import { DEFAULT_PAGE_LINES } from '../../../core/jobTypes.js';
import { JOB_PAGE_ITEMS, planJob, PLAN_ORDER, type JobPlan } from '../../../core/plan.js';
import { PlanCounter, type PlanCounts } from '../../../core/planCount.js';
import type { Env } from '../../../config/env.js';
import { count, duration } from './format.js';
import { loadPlanSettings, type PlanSettings } from './planSettings.js';

export interface DryRunPlan extends JobPlan {
  pages: number;
  pageLines: number;
  batchSize: number;
  createAccounts: boolean;
  /** False when the file had more users or accounts in a page than the dry run remembers. */
  exact: boolean;
}

/** The plan of an import job over the file the counts came from. */
export function importPlan(
  counts: PlanCounts,
  settings: PlanSettings,
  options: { pageLines: number; createAccounts: boolean },
): DryRunPlan {
  const accounts = options.createAccounts ? counts.accountCalls : 0;
  const plan = planJob({
    calls: {
      account_check: accounts,
      multiaccount_import: accounts,
      friend_import: counts.friendImportCalls,
    },
    upTo: ['multiaccount_import'],
    rates: settings.rates,
    pages: counts.pages,
    extraActivitiesPerPage: options.createAccounts ? 1 : 0,
  });
  return {
    ...plan,
    pages: counts.pages,
    pageLines: options.pageLines,
    batchSize: settings.batchSize,
    createAccounts: options.createAccounts,
    exact: counts.exact,
  };
}

/**
 * A dry run's plan from the start: the settings read (a bad rate variable is an error before the
 * file is read), the counter the file's records go to, and the plan once they all have.
 */
export function startPlan(
  env: Env,
  opts: { pageLines?: number | undefined; createAccounts?: boolean | undefined },
): { counter: PlanCounter; finish: () => DryRunPlan } {
  const settings = loadPlanSettings(env);
  const options = {
    pageLines: opts.pageLines ?? DEFAULT_PAGE_LINES,
    createAccounts: opts.createAccounts === true,
  };
  const counter = new PlanCounter({
    batchSize: settings.batchSize,
    pageLines: options.pageLines,
    pageItems: JOB_PAGE_ITEMS,
    accounts: options.createAccounts,
  });
  return { counter, finish: () => importPlan(counter.counts(), settings, options) };
}

const seconds = (s: number): string => duration(s * 1_000);

/** The human "Plan" block. */
export function formatPlan(p: DryRunPlan): string {
  const apis = PLAN_ORDER.filter((api) => p.calls[api] !== undefined);
  const width = Math.max(5, ...apis.map((a) => a.length));
  const lines = apis.map((api) => {
    const upTo = p.upTo.includes(api) ? 'up to ' : '';
    return (
      `  ${api.padEnd(width)}  ${upTo}${count(p.calls[api] ?? 0, 'call')} → ` +
      `${seconds(p.seconds.perApi[api] ?? 0)} at ${count(p.rates[api] ?? 0)}/s`
    );
  });
  const calls =
    p.maximumCalls > p.minimumCalls
      ? `${count(p.minimumCalls)}–${count(p.maximumCalls, 'call')}`
      : count(p.minimumCalls, 'call');
  const b = p.temporalActions.breakdown;
  return [
    `Plan: ${count(p.pages, 'page')} of up to ${count(p.pageLines, 'line')}, batches of ` +
      `${count(p.batchSize, 'item')}${p.createAccounts ? ', accounts first' : ''}` +
      (p.exact ? '' : ' (too many users in a page to remember: the calls are lower bounds)'),
    ...lines,
    `  ${'total'.padEnd(width)}  ${calls} → ${seconds(p.seconds.total)} (the rates are ceilings: a job takes a little longer)`,
    `  Temporal actions ≈ ${count(p.temporalActions.total)} (${count(b.workflowRuns, 'workflow run')}, ` +
      `${count(b.activities, 'activity', 'activities')}, ${count(b.heartbeats, 'heartbeat')}, ` +
      `${count(b.queries, 'query', 'queries')}, ${count(b.leaseUpdates, 'lease update')}, ` +
      `${count(b.searchAttributeUpserts, 'search-attribute upsert')}): an estimate, no retries`,
  ].join('\n');
}
