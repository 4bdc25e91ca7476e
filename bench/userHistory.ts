/**
 * Overhead of one user: the history of an ImportFriendsWorkflow that imports 3,000 friends through
 * the service path (importFriends), and the history of a one-line bulk job for the same kind of user.
 */
import type { Client } from '@temporalio/client';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBulkJob } from '../client/bulkJobs.js';
import { importFriends } from '../client/userImports.js';
import { bulkJobWorkflowId, importFriendsWorkflowId } from '../core/definitions.js';
import { usersOf, type DatasetFiles } from './dataset.js';
import { startBenchStack } from './stackRun.js';
import { typeOf } from './timeline.js';

export interface UserHistory {
  path: 'service' | 'bulk';
  friends: number;
  imported: number;
  calls: number;
  runs: number;
  events: number;
  bytes: number;
  /** Event type → count, over every run. */
  byType: Record<string, number>;
}

async function historyOf(
  client: Client,
  workflowId: string,
): Promise<Omit<UserHistory, 'path' | 'friends' | 'imported' | 'calls'>> {
  const out = { runs: 0, events: 0, bytes: 0, byType: {} as Record<string, number> };
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    out.runs++;
    out.events += w.historyLength;
    out.bytes += w.historySize ?? 0;
    const history = await client.workflow.getHandle(workflowId, w.runId).fetchHistory();
    for (const e of history.events ?? []) {
      const type = typeOf(e);
      out.byType[type] = (out.byType[type] ?? 0) + 1;
    }
  }
  return out;
}

/** Needs a dataset of at least 2 users with the same number of friends each. */
export async function measureUserHistory(
  files: DatasetFiles,
  o: { rate: number; batchSize: number; writeLatencyMs: number },
): Promise<UserHistory[]> {
  const [service, bulk] = [...usersOf(files.manifest.spec)];
  if (!service || !bulk) throw new Error('the dataset needs two users');
  const bench = await startBenchStack({ accountsFile: files.accounts, workers: 1, ...o });
  const stack = bench.stack!;
  try {
    const handle = await importFriends(
      stack.target,
      service.from,
      service.items.map((item) => ({ item })),
      { submissionId: 'bench-service' },
    );
    const r = await handle.result();
    const s = await historyOf(stack.client, importFriendsWorkflowId(stack.im.sdkAppId, service.from));

    const file = join(bench.dir, 'one-user.jsonl');
    await writeFile(file, JSON.stringify({ From_Account: bulk.from, AddFriendItem: bulk.items }) + '\n');
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      {
        jobId: 'bench-one-user',
        path: file,
        format: 'jsonl',
        report: join(bench.dir, 'one-user-report.jsonl'),
      },
    );
    const summary = await job.result();
    // A bulk job starts no workflow for the user: its cost is the job's own history.
    const b = await historyOf(stack.client, bulkJobWorkflowId('bench-one-user'));
    return [
      { path: 'service', friends: service.items.length, imported: r.imported, calls: r.calls, ...s },
      { path: 'bulk', friends: bulk.items.length, imported: summary.imported, calls: summary.calls, ...b },
    ];
  } finally {
    await bench.stop();
  }
}
