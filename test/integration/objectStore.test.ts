/**
 * The object store of the local stack (cli/stack/objectStore.ts): a real SeaweedFS server on
 * loopback that takes SigV4-signed writes and ranged reads with the keys it was started with,
 * refuses other keys, runs twice at once on distinct ports, and frees its ports, process and
 * temporary data at stop. `friend-import dev --object-store` starts it beside the rest and hands
 * its settings out in the ready line.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO_DIR } from '../../cli/commands/support/demoData.js';
import { canListen } from '../../cli/stack/ports.js';
import { objectStoreClient, startObjectStore, type ObjectStore } from '../../cli/stack/objectStore.js';
import { ensureWeedBinary } from '../../cli/stack/weedBinary.js';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { jsonOut, runCli, spawnCli, waitFor } from './cliHelpers.js';
import { pidAlive } from '../../cli/stack/childProcess.js';

describe('object store (SeaweedFS on loopback)', { timeout: 600_000 }, () => {
  const stores: ObjectStore[] = [];
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'object-store-'));
    // Installed by .ci/run before the tests; built here only on a machine that skipped it.
    await ensureWeedBinary((line) => console.log(line));
  });
  after(async () => {
    for (const s of stores) await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes signed PUTs and ranged GETs with its own keys, and refuses a wrong secret', async (t) => {
    const store = await startObjectStore({ bucket: 'sources' });
    stores.push(store);
    t.diagnostic(`ready in ${store.startupMs} ms on ${store.endpoint}`);
    assert.match(store.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(store.bucket, 'sources');
    const s3 = objectStoreClient(store);
    const body = '0123456789abcdefghijklmnopqrstuvwxyz\n'.repeat(1000);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: store.bucket, Key: 'exports/friends.jsonl', Body: body }),
    );
    assert.ok(put.ETag, 'an ETag for the object');
    const ranged = await s3.send(
      new GetObjectCommand({
        Bucket: store.bucket,
        Key: 'exports/friends.jsonl',
        Range: 'bytes=10000-10009',
      }),
    );
    assert.equal(ranged.ContentRange, `bytes 10000-10009/${body.length}`);
    assert.equal(await ranged.Body?.transformToString(), body.slice(10_000, 10_010));
    assert.equal(ranged.ETag, put.ETag, 'the same identity on every read');

    const wrong = objectStoreClient(
      { ...store, secretAccessKey: `${store.secretAccessKey}x` },
      { maxAttempts: 1 },
    );
    await assert.rejects(
      wrong.send(new GetObjectCommand({ Bucket: store.bucket, Key: 'exports/friends.jsonl' })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) =>
        err.name === 'SignatureDoesNotMatch' && err.$metadata?.httpStatusCode === 403,
    );
    const unknown = objectStoreClient({ ...store, accessKeyId: 'FINOSUCHKEY0000000' }, { maxAttempts: 1 });
    await assert.rejects(
      unknown.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'x', Body: 'x' })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode === 403,
    );
    s3.destroy();
    wrong.destroy();
    unknown.destroy();
  });

  it('runs two stores at once on distinct loopback ports, and stop frees everything', async () => {
    const [a, b] = await Promise.all([startObjectStore(), startObjectStore()]);
    assert.ok(a && b);
    stores.push(a, b);
    assert.equal(new Set([...a.ports, ...b.ports]).size, a.ports.length + b.ports.length, 'no port shared');
    assert.notEqual(a.secretAccessKey, b.secretAccessKey, 'keys are per start');
    // Each store knows only its own keys.
    const crossed = objectStoreClient({
      ...a,
      accessKeyId: b.accessKeyId,
      secretAccessKey: b.secretAccessKey,
    });
    await assert.rejects(crossed.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'k', Body: 'v' })));
    crossed.destroy();

    await a.stop();
    assert.equal(pidAlive(a.pid), false, 'the server process is gone');
    for (const port of a.ports) assert.ok(await canListen(port), `port ${port} is free again`);
    assert.equal(existsSync(a.dataDir), false, 'its temporary data is removed');
    for (const port of a.ports)
      assert.equal(existsSync(`/tmp/seaweedfs-filer-grpc-${port}.sock`), false, 'no socket left');
    // The other one still serves.
    const s3b = objectStoreClient(b);
    await s3b.send(new PutObjectCommand({ Bucket: b.bucket, Key: 'still-here', Body: 'yes' }));
    // Many buckets in one store: each takes volumes of its own.
    for (let i = 0; i < 6; i++)
      await s3b.send(new PutObjectCommand({ Bucket: `bucket-${i}`, Key: 'k', Body: String(i) }));
    s3b.destroy();
  });

  it('keeps a data folder it was given, across a restart with new keys', async () => {
    const dataDir = join(dir, 'kept');
    const first = await startObjectStore({ dataDir, bucket: 'kept-bucket' });
    stores.push(first);
    const s3 = objectStoreClient(first);
    await s3.send(new PutObjectCommand({ Bucket: 'kept-bucket', Key: 'a.txt', Body: 'survives' }));
    s3.destroy();
    await first.stop();
    assert.ok(existsSync(dataDir), 'a given folder stays');
    assert.equal(existsSync(join(dataDir, 's3-identities.json')), false, 'the keys file does not');

    const second = await startObjectStore({ dataDir, bucket: 'kept-bucket' });
    stores.push(second);
    assert.notEqual(second.secretAccessKey, first.secretAccessKey);
    const s3again = objectStoreClient(second);
    const got = await s3again.send(new GetObjectCommand({ Bucket: 'kept-bucket', Key: 'a.txt' }));
    assert.equal(await got.Body?.transformToString(), 'survives');
    s3again.destroy();
  });

  it('refuses an invalid bucket name in one sentence', async () => {
    await assert.rejects(
      startObjectStore({ bucket: 'Bad_Bucket' }),
      /"Bad_Bucket" is not a valid S3 bucket name/,
    );
  });

  it('dev --object-store starts the store and hands its settings out in the ready line', async () => {
    const dev = spawnCli(
      [
        'dev',
        '--object-store',
        '--temporal-port',
        '0',
        '--ui-port',
        '0',
        '--emulator-port',
        '0',
        '--accounts',
        join(DEMO_DIR, 'accounts.txt'),
      ],
      { cwd: dir, env: { IM_BASE_URL: undefined, IM_REGION: undefined, AWS_PROFILE: undefined } },
    );
    try {
      const line = await waitFor(
        'the ready line',
        () => /^ready (\{.*\})$/m.exec(dev.stdout())?.[1],
        240_000,
      );
      const ready = JSON.parse(line) as {
        temporalAddress: string;
        sdkAppId: number;
        objectStore?: Pick<ObjectStore, 'endpoint' | 'region' | 'bucket' | 'accessKeyId' | 'secretAccessKey'>;
      };
      const store = ready.objectStore;
      assert.ok(store, `an objectStore field: ${line}`);
      assert.deepEqual(Object.keys(store).sort(), [
        'accessKeyId',
        'bucket',
        'endpoint',
        'region',
        'secretAccessKey',
      ]);
      const s3 = objectStoreClient(store);
      const csv = await readFile(join(DEMO_DIR, 'friends.csv'));
      const put = await s3.send(
        new PutObjectCommand({ Bucket: store.bucket, Key: 'in/friends.csv', Body: csv }),
      );
      assert.ok(put.ETag);
      s3.destroy();
      assert.match(
        dev.stderr(),
        new RegExp(`export AWS_ENDPOINT_URL=${store.endpoint} AWS_REGION=${store.region} AWS_ACCESS_KEY_ID=`),
        'the exports the CLI needs',
      );
      // The secret is in the ready line for scripts, and nowhere else the dev command prints.
      assert.equal(dev.stderr().includes(store.secretAccessKey), false, 'no secret on stderr');

      // The worker dev runs reads the object with the settings it was given: the same outcome
      // as the sample file from disk (docs/cli.md, `dev`).
      const env = {
        TEMPORAL_ADDRESS: ready.temporalAddress,
        IM_SDKAPPID: String(ready.sdkAppId),
        AWS_ENDPOINT_URL: store.endpoint,
        AWS_REGION: store.region,
        AWS_ACCESS_KEY_ID: store.accessKeyId,
        AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
      };
      const r = await runCli(['import', `s3://${store.bucket}/in/friends.csv`, '--json'], { cwd: dir, env });
      assert.equal(r.code, 3, r.stderr);
      const summary = jsonOut<JobSummaryJson>(r);
      assert.deepEqual([summary.failedByCode, summary.superseded], [{ 30003: 1, rejected: 4 }, 1]);

      dev.child.kill('SIGINT');
      const done = await dev.exited;
      assert.equal(done.code, 0, done.stderr);
      const port = Number(new URL(store.endpoint).port);
      assert.ok(await canListen(port), 'the store stopped with dev');
    } finally {
      dev.child.kill('SIGKILL');
    }
  });
});
