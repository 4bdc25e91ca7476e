/**
 * A running page follows its job: every `everyMs` it asks the job's `jobControl` query whether the
 * job was paused or cancelled and how many calls it may keep in flight. Queries cost no history
 * and no billable action, and a pause reaches the page within a second. The query in flight is
 * abandoned with the page (its gRPC call too), so nothing outlives the activity.
 */
import type { Client } from '@temporalio/client';
import type { JobControl } from '../../core/jobTypes.js';
import { jobControlQuery } from '../../core/definitions.js';
import { sleep } from './sleep.js';

export async function followJobControl(options: {
  client: Client;
  jobWorkflowId: string;
  signal: AbortSignal;
  everyMs: number;
  /** Stops following once true (the page has nothing left to do). */
  done: () => boolean;
  onControl: (control: JobControl) => void;
}): Promise<void> {
  const { client, signal } = options;
  const handle = client.workflow.getHandle(options.jobWorkflowId);
  while (!signal.aborted && !options.done()) {
    try {
      options.onControl(await client.withAbortSignal(signal, () => handle.query(jobControlQuery)));
    } catch {
      // The job is busy or between runs (or the page ended): keep the last answer.
    }
    await sleep(options.everyMs, signal).catch(() => undefined);
  }
}
