/**
 * A bulk job from `s3://` on three worker processes that share no folder, as workers on three
 * machines would (docs/production.md, several machines): each runs in a temporary folder of its
 * own, which is also its only WORKER_FILE_ROOTS entry, and reaches the source and the report only
 * through the object store. The worker that holds the page in flight is SIGKILLed; the page resumes
 * on another worker from its checkpoint. The job ends exact: the emulator holds every pair, each
 * item has one outcome in the bucket, the report in the bucket has exactly the failed items, and
 * no worker wrote anything into its own folder.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBulkJob } from '../../client/bulkJobs.js';
import { objectStoreClient, startObjectStore, type ObjectStore } from '../../cli/stack/objectStore.js';
import { killHard, startStack, type Stack } from '../../cli/stack/stack.js';
import type { ReportRow } from '../../core/jobTypes.js';
import { assertFriends, friendItem, friendItems } from '../support/data.js';
import type { UserInput } from '../support/files.js';
import { bucket, jsonl, outcomeItems } from './bucketHelpers.js';
import { waitFor } from './cliHelpers.js';
import { runsOf } from './deployHistory.js';

const BUCKET = 'fleet';
const RATE = 100;
const SLOW_MS = 1_200;

const identityOf = (child: ChildProcess): string => `${child.pid}@${hostname()}`;

describe('a job from s3:// on three workers with no folder in common', { timeout: 600_000 }, () => {
  let store: ObjectStore;
  let stack: Stack;
  let s3: S3Client;
  const dirs: string[] = [];
  before(async () => {
    store = await startObjectStore({ bucket: BUCKET });
    s3 = objectStoreClient(store);
    stack = await startStack({
      worker: false,
      rateLimit: RATE,
      batchSize: 20,
      emulator: { recordCalls: true, rateLimit: RATE, writeLatencyMs: 10 },
    });
  });
  after(async () => {
    s3?.destroy();
    await stack?.stop();
    await store?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('ends exact when the worker holding the page is SIGKILLed mid-page', async (t) => {
    // Pages of 30 lines (the 91st line is a page of its own); the first user of page 2 has 200 friends and answers slowly, so page 2
    // is in flight for a dozen seconds. Ghosts (accounts that do not exist) fail on every page,
    // and the last line is not JSON.
    const users: UserInput[] = Array.from({ length: 90 }, (_, i) => ({
      from: `w${i}`,
      items: friendItems(i === 30 ? 200 : 10, `w${i}-`),
    }));
    stack.emulator.seedAccounts(users.flatMap((u) => [u.from, ...u.items.map((x) => x.To_Account)]));
    const ghosts = [5, 30, 70];
    for (const i of ghosts) users[i]!.items.push(friendItem(`ghost-${i}`));
    stack.emulator.setFaults({ rules: [{ kind: 'slow', delayMs: SLOW_MS, fromAccounts: ['w30'] }] });
    const objects = bucket(s3, BUCKET);
    await objects.put('in/fleet.jsonl', jsonl(users, ['{not json']));

    const workers: ChildProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = await mkdtemp(join(tmpdir(), `fleet-worker-${i}-`));
      dirs.push(dir);
      workers.push(
        await stack.spawnWorker(
          { ...store.env, WORKER_OBJECT_ROOTS: `s3://${BUCKET}`, WORKER_FILE_ROOTS: dir },
          { cwd: dir },
        ),
      );
    }
    const job = await startBulkJob(stack.target, {
      jobId: 'fleet',
      path: `s3://${BUCKET}/in/fleet.jsonl`,
      report: `s3://${BUCKET}/out/fleet/`,
      concurrency: 8,
      pageLines: 30,
    });
    const callsOf = (from: string) => stack.emulator.calls().filter((c) => c.fromAccount === from).length;
    await waitFor('page 2 under way', () => callsOf('w30') >= 3, 180_000);
    const described = await stack.client.workflow.getHandle(job.workflowId).describe();
    const page = described.raw.pendingActivities?.find((p) => p.activityType?.name === 'importPage');
    const holder = workers.find((w) => identityOf(w) === page?.lastWorkerIdentity);
    assert.ok(holder, `a worker of ours holds the page (${page?.lastWorkerIdentity})`);
    await killHard(holder);
    t.diagnostic(`SIGKILLed ${identityOf(holder)} at ${callsOf('w30')} of w30's 11 calls`);

    const summary = await job.result();
    assert.equal(summary.state, 'completed');
    const items = users.reduce((n, u) => n + u.items.length, 0) + 1;
    assert.deepEqual(
      [summary.lines, summary.items, summary.imported, summary.failed],
      [91, items, items - ghosts.length - 1, ghosts.length + 1],
    );
    for (const u of users)
      assertFriends(
        stack.emulator,
        u.from,
        u.items.filter((x) => !x.To_Account.startsWith('ghost-')),
      );
    const stats = stack.emulator.stats().friendImport;
    assert.equal(stats.overlaps, 0, `overlapping writes for ${stats.overlapAccounts.join(', ')}`);
    assert.ok(stats.maxCallsInAnyWindow <= RATE, `${stats.maxCallsInAnyWindow} calls in one second`);

    // The report and one outcome per item, in the bucket.
    assert.equal(summary.reportJsonl, `s3://${BUCKET}/out/fleet/report.jsonl`);
    const rows = (await objects.text('out/fleet/report.jsonl'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ReportRow);
    assert.deepEqual(
      rows.map((r) => [r.line, r.fromAccount, r.toAccount, r.code]),
      [...ghosts.map((i) => [i + 1, `w${i}`, `ghost-${i}`, 30003]), [91, '', '', 'rejected']],
    );
    const outcomes = await objects.outcomesUnder('out/fleet');
    assert.deepEqual(
      outcomes.map((o) => o.line).sort((a, b) => a - b),
      Array.from({ length: 91 }, (_, i) => i + 1),
      'every line has its outcome once',
    );
    const done = outcomeItems(outcomes);
    assert.equal(done.length, items, 'every item once (the bad line as one)');
    assert.equal(new Set(done).size, done.length);

    // Page 2 ended on another worker, after the attempt on the killed one.
    const pages = (await runsOf(stack.client, job.workflowId))
      .flatMap((r) => r.activities)
      .filter((a) => a.type === 'importPage');
    assert.equal(pages.length, 4, '91 lines in pages of 30');
    const second = pages[1]!;
    assert.ok(second.attempt >= 2, `page 2 was retried: ${JSON.stringify(second)}`);
    assert.notEqual(second.identity, identityOf(holder), 'and ran to its end on another worker');
    t.diagnostic(`page 2: attempt ${second.attempt} on ${second.identity} after "${second.lastFailure}"`);

    // Nothing of the job reached the workers' own folders.
    for (const dir of dirs) assert.deepEqual(await readdir(dir), [], `${dir} stays empty`);
  });
});
