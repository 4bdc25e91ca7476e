import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolve } from 'node:path';
import { createFriendImporter, loadClientImSettings, SettingsError } from '../../../client/index.js';
import { checkedJobId, JobStartError, jobSource } from '../../../client/jobs.js';

describe('library entry', () => {
  // A client that is never used for a call: building an importer makes no network call.
  const client = {} as Client;

  it('names the queues and workflow IDs the workers use', () => {
    const importer = createFriendImporter({ client, sdkAppId: 1400000000 });
    assert.equal(importer.taskQueue, 'friend-import');
    assert.equal(importer.callsTaskQueue, 'friend-import:im-calls:1400000000');
    assert.equal(importer.userWorkflowId('alice'), 'friend-import:1400000000:alice');
    assert.equal(
      createFriendImporter({ client, sdkAppId: 7, taskQueue: 'q' }).callsTaskQueue,
      'q:im-calls:7',
    );
  });

  it('refuses a bad app ID or batch size', () => {
    assert.throws(() => createFriendImporter({ client, sdkAppId: 0 }), /sdkAppId/);
    assert.throws(
      () => createFriendImporter({ client, sdkAppId: 1, batchSize: 1001 }),
      /batchSize must be 1–1000/,
    );
  });

  it('reads only the IM settings a client needs, naming the variable', () => {
    assert.deepEqual(loadClientImSettings({ IM_SDKAPPID: '1400000000' }), { sdkAppId: 1400000000 });
    assert.deepEqual(loadClientImSettings({ IM_SDKAPPID: '5', IM_BATCH_SIZE: '100', IM_SECRET_KEY: '' }), {
      sdkAppId: 5,
      batchSize: 100,
    });
    assert.throws(
      () => loadClientImSettings({}),
      (err: unknown) => err instanceof SettingsError && /IM_SDKAPPID is required/.test(err.message),
    );
    assert.throws(() => loadClientImSettings({ IM_SDKAPPID: 'abc' }), /IM_SDKAPPID must be a whole number/);
  });

  it("takes a job's format from its file's extension unless given, and says what to do otherwise", () => {
    assert.deepEqual(jobSource({ path: 'data/friends.JSONL' }), {
      path: resolve('data/friends.JSONL'),
      format: 'jsonl',
    });
    assert.equal(jobSource({ path: '/x/export.ndjson' }).format, 'jsonl');
    assert.equal(jobSource({ path: '/x/export.csv' }).format, 'csv');
    assert.equal(jobSource({ path: '/x/export.txt', format: 'csv' }).format, 'csv');
    for (const path of ['/x/export.txt', '/x/export', '/x.csv/export'])
      assert.throws(
        () => jobSource({ path }),
        (err: unknown) =>
          err instanceof JobStartError && err.message.includes(`cannot tell the format of ${path}`),
        path,
      );
  });

  it('refuses a job ID that could name a path outside the reports folder, as the CLI does', () => {
    for (const id of ['job-1', 'nightly.2026-12-06', 'a:b@c_d', 'x'.repeat(200)])
      assert.equal(checkedJobId(id), id);
    for (const id of ['', '.', '..', '.hidden', '-x', '_x', 'a/b', '../up', 'a b', 'x'.repeat(201)])
      assert.throws(
        () => checkedJobId(id),
        (err: unknown) => err instanceof JobStartError && /is not a job ID/.test(err.message),
        JSON.stringify(id),
      );
  });
});
