/**
 * The retry file of a job whose source and report are in object storage (docs/cli.md, the retry
 * file): written in the report's bucket beside the report, read back from there by `import`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { objectStoreClient, startObjectStore, type ObjectStore } from '../../cli/stack/objectStore.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';
import { assertFriends, friendItem } from '../support/data.js';
import { bucket, jsonl } from './bucketHelpers.js';
import { jsonOut, runCli } from './cliHelpers.js';
import { scratchDir, users } from './cliStack.js';

const BUCKET = 'retries';

describe('the retry file in object storage', { timeout: 300_000 }, () => {
  let store: ObjectStore;
  let stack: Stack;
  let s3: S3Client;
  before(async () => {
    store = await startObjectStore({ bucket: BUCKET });
    s3 = objectStoreClient(store);
    stack = await startStack({ worker: false, emulator: {} });
    await stack.spawnWorker({ ...store.env, WORKER_OBJECT_ROOTS: `s3://${BUCKET}` });
  });
  after(async () => {
    s3?.destroy();
    await stack?.stop();
    await store?.stop();
  });
  const dir = scratchDir('retry-file-s3-');
  const cli = (args: string[]) => runCli(args, { env: { ...stack.env, ...store.env }, cwd: dir() });

  it('is written beside an s3:// report and imported from there', async () => {
    const list = users('s', 8, 5);
    stack.emulator.seedAccounts(list.flatMap((u) => [u.from, ...u.items.map((i) => i.To_Account)]));
    const ghost = friendItem('s-ghost', { Remark: 'boo', GroupName: ['a', 'b'] });
    list[3]!.items.push(ghost);
    await bucket(s3, BUCKET).put('in/friends.jsonl', jsonl(list));

    const run = await cli(['import', `s3://${BUCKET}/in/friends.jsonl`, '--json']);
    assert.equal(run.code, 3, run.stderr.slice(-2000));
    const s = jsonOut<JobSummaryJson>(run);
    const prefix = `friend-import-reports/${s.jobId}`;
    assert.deepEqual([s.failed, s.retryFile, s.retryItems], [1, `s3://${BUCKET}/${prefix}/retry.jsonl`, 1]);
    assert.equal(
      await bucket(s3, BUCKET).text(`${prefix}/retry.jsonl`),
      `${JSON.stringify({ From_Account: 's3', AddFriendItem: [ghost] })}\n`,
    );

    stack.emulator.seedAccounts(['s-ghost']);
    const again = await cli(['import', s.retryFile ?? '', '--json']);
    assert.equal(again.code, 0, again.stderr.slice(-2000));
    assert.deepEqual(
      [jsonOut<JobSummaryJson>(again).imported, jsonOut<JobSummaryJson>(again).retryItems],
      [1, 0],
    );
    for (const u of list) assertFriends(stack.emulator, u.from, u.items);
  });
});
