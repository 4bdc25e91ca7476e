/**
 * Reading a workflow's history for the deploy test (deploy.test.ts): which worker completed which
 * workflow task and started which activity attempt, and whether any workflow task failed (the mark
 * a nondeterministic replay leaves).
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ActivityAttempt {
  type: string;
  /** The attempt that ended the activity (the server records only the last start). */
  attempt: number;
  identity: string;
  /** Why the attempt before it failed, if it was retried. */
  lastFailure?: string;
}

export interface RunHistory {
  events: HistoryEvent[];
  /** Identities of the workers that completed its workflow tasks, in order. */
  taskIdentities: string[];
  /** Its activities in the order they were scheduled. */
  activities: ActivityAttempt[];
  /** WorkflowTaskFailed events (a nondeterminism error shows as one, then the task retries forever). */
  taskFailures: string[];
}

export function readHistory(events: HistoryEvent[]): RunHistory {
  const scheduled = new Map<string, string>();
  const activities: ActivityAttempt[] = [];
  const order: string[] = [];
  const started = new Map<string, ActivityAttempt>();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      scheduled.set(String(e.eventId), s.activityType?.name ?? '');
      order.push(String(e.eventId));
    }
    const st = e.activityTaskStartedEventAttributes;
    if (st)
      started.set(String(st.scheduledEventId), {
        type: scheduled.get(String(st.scheduledEventId)) ?? '',
        attempt: st.attempt ?? 1,
        identity: st.identity ?? '',
        ...(st.lastFailure?.message && { lastFailure: st.lastFailure.message }),
      });
  }
  for (const id of order) {
    const a = started.get(id);
    if (a) activities.push(a);
  }
  return {
    events,
    taskIdentities: events
      .filter((e) => e.workflowTaskCompletedEventAttributes)
      .map((e) => e.workflowTaskCompletedEventAttributes?.identity ?? ''),
    activities,
    taskFailures: events
      .filter((e) => e.workflowTaskFailedEventAttributes)
      .map((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? '(no message)'),
  };
}

/** Every run of a workflow ID (continue-as-new makes a chain), oldest first. */
export async function runsOf(client: Client, workflowId: string): Promise<RunHistory[]> {
  const runs: { runId: string; start: number }[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push({ runId: info.runId, start: info.startTime.getTime() });
  runs.sort((a, b) => a.start - b.start);
  const out: RunHistory[] = [];
  for (const r of runs) {
    const history = await client.workflow.getHandle(workflowId, r.runId).fetchHistory();
    out.push(readHistory(history.events ?? []));
  }
  return out;
}
