/**
 * `sync --dry-run` (docs/cli.md, `sync`): the sync's plan made here, part by part, exactly as the
 * job's plan activity makes it (formats/syncPlan.ts) but writing nothing, then made into calls per
 * API, seconds at the configured rates and Temporal actions (core/plan.ts).
 */
import { DEFAULT_PAGE_LINES, type SourceFormat } from '../../../core/jobTypes.js';
import { JOB_PAGE_ITEMS, planJob, PLAN_ORDER, type JobPlan } from '../../../core/plan.js';
import {
  addPairCounts,
  emptyPairCounts,
  OP_API,
  SYNC_OPS,
  type SyncOp,
  type SyncPairCounts,
} from '../../../core/syncTypes.js';
import type { Env } from '../../../config/env.js';
import { DEFAULT_UPDATE_ITEMS_PER_CALL } from '../../../im/friendUpdateSchemas.js';
import { planPart, planParts } from '../../../formats/syncPlan.js';
import { count, duration } from './format.js';
import { loadPlanSettings } from './planSettings.js';
import { pairCountsLine } from './syncView.js';

export interface SyncDryRunInput {
  source: { path: string; format: SourceFormat };
  base: { path: string; format: SourceFormat };
  deleteRemoved: boolean;
  updateBatch?: number | undefined;
  pageLines?: number | undefined;
}

export interface SyncDryRunOp {
  api: string;
  users: number;
  items: number;
  /** The fewest calls the items take (each user's items in calls of the API's batch). */
  calls: number;
  pages: number;
}

export interface SyncDryRun {
  file: string;
  since: string;
  deleteRemoved: boolean;
  parts: number;
  counts: SyncPairCounts;
  ops: Record<SyncOp, SyncDryRunOp>;
  updateBatch: number;
  importBatch: number;
  pageLines: number;
  /** Pages of the plan files the job runs, all writes together. */
  pages: number;
  plan: JobPlan;
}

/** The plan of a sync of `base` to `source`, made on this machine; nothing is written anywhere. */
export async function syncDryRun(input: SyncDryRunInput, env: Env): Promise<SyncDryRun> {
  // The settings first: a bad rate variable is exit 2 before a snapshot is read.
  const settings = loadPlanSettings(env);
  const updateBatch = input.updateBatch ?? DEFAULT_UPDATE_ITEMS_PER_CALL;
  const pageLines = input.pageLines ?? DEFAULT_PAGE_LINES;
  const parts = await planParts([input.source.path, input.base.path]);
  const counts = emptyPairCounts();
  const ops = Object.fromEntries(
    SYNC_OPS.map((op) => [op, { api: OP_API[op], users: 0, items: 0, calls: 0, pages: 0 }]),
  ) as Record<SyncOp, SyncDryRunOp>;
  for (let part = 0; part < parts; part++) {
    const result = await planPart({
      source: input.source,
      base: input.base,
      deleteRemoved: input.deleteRemoved,
      planDir: 'dry-run',
      part,
      parts,
      updateBatch,
      importBatch: settings.batchSize,
      dryRun: true,
    });
    addPairCounts(counts, result.counts);
    for (const seg of result.segments) {
      const o = ops[seg.op];
      o.users += seg.users;
      o.items += seg.items;
      o.calls += seg.minimumCalls;
      // The job pages each plan file (one line per user) as it pages an import's file.
      o.pages += Math.max(Math.ceil(seg.users / pageLines), Math.ceil(seg.items / JOB_PAGE_ITEMS));
    }
  }
  const pages = SYNC_OPS.reduce((n, op) => n + ops[op].pages, 0);
  const plan = planJob({
    calls: Object.fromEntries(SYNC_OPS.map((op) => [OP_API[op], ops[op].calls])),
    rates: settings.rates,
    pages,
    // The plan's activities (one per part) and the report at the end.
    endActivities: parts + 1,
  });
  return {
    file: input.source.path,
    since: input.base.path,
    deleteRemoved: input.deleteRemoved,
    parts,
    counts,
    ops,
    updateBatch,
    importBatch: settings.batchSize,
    pageLines,
    pages,
    plan,
  };
}

const seconds = (s: number): string => duration(s * 1_000);

/** The human form of a sync's dry run. */
export function formatSyncDryRun(d: SyncDryRun): string {
  const c = d.counts;
  const p = d.plan;
  const b = p.temporalActions.breakdown;
  const apis = PLAN_ORDER.filter((api) => p.calls[api] !== undefined);
  const opOf = (api: string): SyncDryRunOp | undefined =>
    SYNC_OPS.map((op) => d.ops[op]).find((o) => o.api === api);
  return [
    `Dry run of a sync: ${d.since} → ${d.file}. Nothing was written to IM or Temporal.`,
    `  pairs     ${pairCountsLine(c, d.deleteRemoved)}`,
    `  users     ${count(c.users)} · ${count(c.usersUnchanged)} unchanged · ${count(c.rejected, 'row')} of the new snapshot rejected`,
    `Plan: ${count(d.parts, 'part')} · ${count(d.pages, 'page')} of up to ` +
      `${count(d.pageLines, 'line')} · ${count(d.updateBatch)} items a friend_update call, ${count(d.importBatch)} a friend_import call`,
    ...(apis.length === 0
      ? ['  nothing to write']
      : apis.map((api) => {
          const o = opOf(api);
          return (
            `  ${api.padEnd(13)}  ${count(p.calls[api] ?? 0, 'call')} (${count(o?.items ?? 0, 'item')} of ${count(o?.users ?? 0, 'user')}) → ` +
            `${seconds(p.seconds.perApi[api] ?? 0)} at ${count(p.rates[api] ?? 0)}/s`
          );
        })),
    `  ${'total'.padEnd(13)}  ${count(p.minimumCalls, 'call')} → ${seconds(p.seconds.total)} (deletes, then updates, then imports; the rates are ceilings)`,
    `  Temporal actions ≈ ${count(p.temporalActions.total)} (${count(b.workflowRuns, 'workflow run')}, ` +
      `${count(b.activities, 'activity', 'activities')}, ${count(b.heartbeats, 'heartbeat')}, ` +
      `${count(b.queries, 'query', 'queries')}, ${count(b.leaseUpdates, 'lease update')}, ` +
      `${count(b.searchAttributeUpserts, 'search-attribute upsert')}): an estimate, no retries`,
  ].join('\n');
}
