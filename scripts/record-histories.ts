/**
 * Records workflow histories of the scenarios that exercise every path of our workflows, into
 * test/fixtures/histories/<package version>/. test/unit/replay.test.ts replays the histories of
 * every released version against the current workflow code: a change that makes them
 * non-deterministic fails there before it can break running imports. Record once per release,
 * and keep the folders of the versions before it (docs/production.md, deploys):
 *
 *   node --import tsx scripts/record-histories.ts
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBulkJob } from '../client/bulkJobs.js';
import { importFriends } from '../client/userImports.js';
import { startVerifyJob } from '../client/verifyJobs.js';
import { friendItem, friendItems, submitted } from '../test/support/data.js';
import { writeJsonl } from '../test/support/files.js';
import { startStack, type Stack } from '../cli/stack/stack.js';
import { coordinatorWorkflowId } from '../core/definitions.js';
import { projectRoot } from '../cli/stack/temporalCli.js';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';

const run = promisify(execFile);

const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  version: string;
};
const OUT = join(projectRoot, 'test', 'fixtures', 'histories', version);

async function save(stack: Stack, name: string, workflowId: string): Promise<void> {
  // Every run of the chain (continue-as-new), oldest first.
  const runs = [];
  for await (const info of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push(info);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  for (const [i, info] of runs.entries()) {
    // The Temporal CLI's JSON export, the format `temporal workflow show --output json` gives operators.
    const { stdout } = await run(
      stack.devServer.cliPath,
      [
        'workflow',
        'show',
        '--address',
        stack.devServer.address,
        '-w',
        workflowId,
        '-r',
        info.runId,
        '--output',
        'json',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const history = JSON.parse(stdout) as { events: unknown[] };
    const file = runs.length === 1 ? `${name}.json` : `${name}.run${i + 1}.json`;
    await writeFile(join(OUT, file), JSON.stringify({ workflowId, history }));
    console.log(`${file}: ${history.events.length} events`);
  }
}

const stack = await startStack({ emulator: { recordCalls: true, sensitiveWords: ['forbidden'] } });
const dir = await mkdtemp(join(tmpdir(), 'record-'));
try {
  await mkdir(OUT, { recursive: true });
  const target = stack.target;
  const seed = (from: string, tos: string[]) => stack.emulator.seedAccounts([from, ...tos]);

  const big = friendItems(2500, 'big-');
  seed(
    'r-big',
    big.map((i) => i.To_Account),
  );
  const h1 = await importFriends(target, 'r-big', submitted(big), { submissionId: 'r1' });
  await h1.result();
  await save(stack, 'user-2500', h1.workflowId);

  seed('r-mixed', ['ok1']);
  stack.emulator.seedAccounts(['foreign1'], { foreign: true });
  const h2 = await importFriends(
    target,
    'r-mixed',
    submitted([
      friendItem('ok1'),
      friendItem('ghost'),
      friendItem('foreign1'),
      friendItem('ok1', { Remark: 'forbidden' }),
      friendItem('r-mixed'),
    ]),
    { submissionId: 'r2' },
  );
  await h2.result();
  await save(stack, 'user-mixed', h2.workflowId);

  // One call, all imported: the quick path in one workflow task.
  const small = friendItems(20, 'q-');
  seed(
    'r-quick',
    small.map((i) => i.To_Account),
  );
  const h5 = await importFriends(target, 'r-quick', submitted(small), { submissionId: 'r5' });
  await h5.outcome();
  await save(stack, 'user-quick', h5.workflowId);

  const retried = friendItems(6, 'tr-');
  seed(
    'r-transient',
    retried.map((i) => i.To_Account),
  );
  stack.emulator.setFaults({
    rules: [
      { kind: 'failFirst', attempts: 1, code: 30006, fromAccounts: ['r-transient'] },
      { kind: 'failFirst', attempts: 1, code: 30008, toAccounts: ['tr-2'] },
    ],
  });
  const h3 = await importFriends(target, 'r-transient', submitted(retried), { submissionId: 'r3' });
  await h3.result();
  stack.emulator.setFaults(undefined);
  await save(stack, 'user-transient', h3.workflowId);

  const long = friendItems(400, 'can-');
  seed(
    'r-can',
    long.map((i) => i.To_Account),
  );
  const h4 = await importFriends(
    { ...target, options: { batchSize: 50, continueAsNewAfterEvents: 30 } },
    'r-can',
    submitted(long),
    {
      submissionId: 'r4',
    },
  );
  await h4.result();
  await save(stack, 'user-continued', h4.workflowId);

  const users = Array.from({ length: 12 }, (_, i) => ({
    from: `r-job-${i}`,
    items: friendItems(5, `r-job-${i}-`),
  }));
  for (const u of users)
    seed(
      u.from,
      u.items.map((i) => i.To_Account),
    );
  const file = join(dir, 'job.jsonl');
  await writeJsonl(file, users, ['{broken']);
  const job = await startBulkJob(
    { client: stack.client, taskQueue: stack.taskQueue },
    {
      jobId: 'recorded-job',
      path: file,
      format: 'jsonl',
      report: join(dir, 'report.jsonl'),
      concurrency: 3,
      pageLines: 4,
      continueAsNewAfterEvents: 20,
    },
  );
  await job.pause();
  await job.resume();
  await job.result();
  await save(stack, 'bulk-job', job.workflowId);
  // A verify of the same file, comparing fields (friend_get), over several pages.
  const verify = await startVerifyJob(
    { client: stack.client, taskQueue: stack.taskQueue },
    {
      jobId: 'recorded-verify',
      path: file,
      format: 'jsonl',
      fields: true,
      report: join(dir, 'verify.jsonl'),
      pageLines: 5,
    },
  );
  await verify.result();
  await save(stack, 'verify-job', verify.workflowId);
  // The app coordinator served the job's pages and every service import above.
  await save(stack, 'coordinator', coordinatorWorkflowId(stack.im.sdkAppId));
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
