/**
 * Where a bulk job's time goes, read from its history: each page (an importPage activity) from
 * scheduled to started to completed, and the gaps between pages.
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
  pages: number;
  /** Job started → first page started (ms). */
  toFirstPageMs: number;
  /** Each page from started to completed (ms). */
  pageMs: number[];
  /** From one page's completion to the next one's start (ms). */
  gapsMs: number[];
  /** Last page completed → job closed (ms). */
  closingMs: number;
  /** Timers started by the job's runs (each one is a billable action). */
  timers: number;
}

export async function timeline(client: Client, workflowId: string): Promise<Timeline> {
  const t: Timeline = { pages: 0, toFirstPageMs: 0, pageMs: [], gapsMs: [], closingMs: 0, timers: 0 };
  const runs: { runId: string; start: number }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push({ runId: w.runId, start: w.startTime.getTime() });
  runs.sort((a, b) => a.start - b.start);
  let jobStart: number | undefined;
  let lastCompleted: number | undefined;
  let closed: number | undefined;
  for (const { runId } of runs) {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    jobStart ??= ms(events[0]);
    closed = ms(events[events.length - 1]);
    const scheduled = new Map<string, string>();
    for (const e of events) {
      const type = typeOf(e);
      if (type === 'TIMER_STARTED') t.timers++;
      if (type === 'ACTIVITY_TASK_SCHEDULED') {
        const a = e.activityTaskScheduledEventAttributes;
        scheduled.set(String(e.eventId), a?.activityType?.name ?? '');
      }
      if (type === 'ACTIVITY_TASK_STARTED') {
        const id = String(e.activityTaskStartedEventAttributes?.scheduledEventId);
        if (scheduled.get(id) !== 'importPage') continue;
        const at = ms(e) ?? 0;
        if (t.pages === 0 && jobStart !== undefined) t.toFirstPageMs = at - jobStart;
        if (lastCompleted !== undefined) t.gapsMs.push(at - lastCompleted);
        t.pages++;
        t.pageMs.push(-at);
      }
      if (type === 'ACTIVITY_TASK_COMPLETED') {
        const id = String(e.activityTaskCompletedEventAttributes?.scheduledEventId);
        if (scheduled.get(id) !== 'importPage') continue;
        lastCompleted = ms(e) ?? 0;
        const i = t.pageMs.length - 1;
        if (i >= 0) t.pageMs[i] = (t.pageMs[i] ?? 0) + lastCompleted;
      }
    }
  }
  if (closed !== undefined && lastCompleted !== undefined) t.closingMs = closed - lastCompleted;
  return t;
}

export function formatTimeline(t: Timeline): string {
  const list = (xs: number[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} …` : xs.join(', '));
  return (
    `  timeline: ${t.pages} page(s); job start → first page ${t.toFirstPageMs} ms; page durations ms [${list(t.pageMs)}]; ` +
    `gaps between pages ms [${list(t.gapsMs)}]; last page → job closed ${t.closingMs} ms; timers ${t.timers}`
  );
}
