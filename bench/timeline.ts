/**
 * Where a bulk job's time goes, read from workflow histories: for a sample of user workflows, the
 * time from start to the first call being scheduled, waiting for dispatch, the call itself, and
 * finishing; for the job's runs, how long each page took to read and deliver and the gaps between.
 */
import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;

const ms = (e: Event | undefined): number | undefined => {
  const t = e?.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : undefined;
};
export const typeOf = (e: Event): string =>
  (proto.temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? 'UNKNOWN').replace(/^EVENT_TYPE_/, '');

export interface Timeline {
  users: number;
  /** Median and p90 per phase, ms. */
  phases: Record<string, { p50: number; p90: number }>;
  pages: { count: number; p50Ms: number; maxMs: number; usersPerPage: number; gapP50Ms: number };
}

function quantiles(xs: number[]): { p50: number; p90: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { p50: at(0.5), p90: at(0.9) };
}

export async function timeline(client: Client, jobId: string, sample = 100): Promise<Timeline> {
  const phases: Record<string, number[]> = {
    'start → first WFT started': [],
    'start → call scheduled': [],
    'scheduled → started (dispatch)': [],
    'started → completed (call)': [],
    'last call → closed': [],
    'start → closed': [],
  };
  const add = (k: string, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) phases[k]?.push(v);
  };
  const ids: { workflowId: string; runId: string }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = 'ImportFriendsWorkflow'` }))
    ids.push({ workflowId: w.workflowId, runId: w.runId });
  const step = Math.max(1, Math.floor(ids.length / sample));
  let users = 0;
  for (let i = 0; i < ids.length; i += step) {
    const { workflowId, runId } = ids[i]!;
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    const find = (t: string) => events.find((e) => typeOf(e) === t);
    const start = ms(events[0]);
    const closed = ms(events[events.length - 1]);
    const scheduled = events.filter((e) => typeOf(e) === 'ACTIVITY_TASK_SCHEDULED');
    const started = events.filter((e) => typeOf(e) === 'ACTIVITY_TASK_STARTED');
    const completed = events.filter((e) => typeOf(e) === 'ACTIVITY_TASK_COMPLETED');
    if (start === undefined || closed === undefined) continue;
    users++;
    add('start → first WFT started', (ms(find('WORKFLOW_TASK_STARTED')) ?? NaN) - start);
    add('start → call scheduled', (ms(scheduled[0]) ?? NaN) - start);
    scheduled.forEach((s, k) =>
      add('scheduled → started (dispatch)', (ms(started[k]) ?? NaN) - (ms(s) ?? NaN)),
    );
    started.forEach((s, k) => add('started → completed (call)', (ms(completed[k]) ?? NaN) - (ms(s) ?? NaN)));
    add('last call → closed', closed - (ms(completed[completed.length - 1]) ?? NaN));
    add('start → closed', closed - start);
  }
  const pageDurations: number[] = [];
  const gaps: number[] = [];
  let pages = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId = 'friend-import-job:${jobId}'` })) {
    const events = (await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? [];
    let lastEnd: number | undefined;
    const open = new Map<string, number>();
    for (const e of events) {
      const t = typeOf(e);
      if (t === 'ACTIVITY_TASK_SCHEDULED') {
        const type = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
        if (type === 'readAndDeliver') {
          open.set(String(e.eventId), ms(e) ?? 0);
          if (lastEnd !== undefined) gaps.push((ms(e) ?? 0) - lastEnd);
        }
      } else if (t === 'ACTIVITY_TASK_COMPLETED') {
        const from = open.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        if (from !== undefined) {
          pages++;
          pageDurations.push((ms(e) ?? 0) - from);
          lastEnd = ms(e);
        }
      }
    }
  }
  const q = quantiles(pageDurations);
  return {
    users,
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, quantiles(v)])),
    pages: {
      count: pages,
      p50Ms: q.p50,
      maxMs: Math.max(0, ...pageDurations),
      usersPerPage: ids.length / Math.max(1, pages),
      gapP50Ms: quantiles(gaps).p50,
    },
  };
}

export function formatTimeline(t: Timeline): string {
  return [
    `  timeline (sample of ${t.users} users; p50 / p90 ms): ${Object.entries(t.phases)
      .map(([k, v]) => `${k} ${v.p50}/${v.p90}`)
      .join('; ')}`,
    `  pages: ${t.pages.count} readAndDeliver (≈${t.pages.usersPerPage.toFixed(0)} users each), ` +
      `p50 ${t.pages.p50Ms} ms, max ${t.pages.maxMs} ms; gap between pages p50 ${t.pages.gapP50Ms} ms`,
  ].join('\n');
}
