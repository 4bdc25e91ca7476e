/**
 * Job-end notifications (docs/cli.md, "Notifications") end to end: a real receiver on 127.0.0.1
 * that answers 500 to the first two attempts of every delivery and 200 after, the worker holding
 * FRIEND_IMPORT_NOTIFY_SECRET (read from the environment as a `friend-import worker` reads it), and
 * jobs started with `--notify` or the library's `notify`. Each job end arrives as exactly one
 * delivery ID, retried with the same bytes until a 2xx, signed with the secret, with the job's
 * final state and counts: a completed import and verify, a cancelled import, and an import that
 * failed when its file changed under it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { appendFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifySignature } from '../../activities/notify.js';
import { startBulkJob } from '../../client/bulkJobs.js';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import type { JobEndedBody } from '../../core/notify.js';
import { writeJsonl } from '../support/files.js';
import { jsonOut, waitFor } from './cliHelpers.js';
import { cliStack, users } from './cliStack.js';

const SECRET = 'integration-notify-secret-0123456789';
// Set before the suite's stack starts its worker, which reads it as `friend-import worker` does.
const secretBefore = process.env.FRIEND_IMPORT_NOTIFY_SECRET;
process.env.FRIEND_IMPORT_NOTIFY_SECRET = SECRET;

interface Attempt {
  delivery: string;
  event: string | undefined;
  signature: string | undefined;
  raw: string;
  body: JobEndedBody<Record<string, unknown>>;
  answered: number;
}

/** Answers 500 to the first two attempts of each delivery ID, then 200; records every attempt. */
function startReceiver(): { server: Server; attempts: Attempt[] } {
  const attempts: Attempt[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const delivery = String(req.headers['x-friend-import-delivery']);
      const answered = attempts.filter((a) => a.delivery === delivery).length < 2 ? 500 : 200;
      attempts.push({
        delivery,
        event: req.headers['x-friend-import-event'] as string | undefined,
        signature: req.headers['x-friend-import-signature'] as string | undefined,
        raw,
        body: JSON.parse(raw) as Attempt['body'],
        answered,
      });
      res.writeHead(answered).end(answered === 500 ? 'not now' : 'ok');
    });
  });
  server.listen(0, '127.0.0.1');
  return { server, attempts };
}

describe('job-end notifications', { timeout: 300_000 }, () => {
  const ctx = cliStack('notify-');
  const { cli, seed } = ctx;
  const { server, attempts } = startReceiver();
  let url = '';
  before(async () => {
    if (!server.listening) await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/friend-import`;
  });
  after(() => {
    server.close();
    if (secretBefore === undefined) delete process.env.FRIEND_IMPORT_NOTIFY_SECRET;
    else process.env.FRIEND_IMPORT_NOTIFY_SECRET = secretBefore;
  });

  /** Every attempt for `jobId`, once its delivery was answered 200. */
  const deliveredFor = (jobId: string): Promise<Attempt[]> =>
    waitFor(`the notification of ${jobId}`, () => {
      const mine = attempts.filter((a) => a.body.jobId === jobId);
      return mine.some((a) => a.answered === 200) && mine;
    });

  /** One delivery ID, retried twice after 500s, landed once, every attempt the same signed bytes. */
  function assertOneSignedDelivery(mine: Attempt[]): Attempt {
    assert.equal(new Set(mine.map((a) => a.delivery)).size, 1, 'one delivery ID per job end');
    assert.deepEqual(
      mine.map((a) => a.answered),
      [500, 500, 200],
    );
    assert.equal(new Set(mine.map((a) => a.raw)).size, 1, 'retries carry the same body');
    for (const a of mine) {
      assert.equal(a.event, 'job.ended');
      assert.ok(verifySignature(SECRET, a.signature, a.raw), `signature ${a.signature}`);
      assert.ok(!verifySignature('not-the-secret-at-all', a.signature, a.raw));
    }
    return mine[2]!;
  }

  it('refuses a notify URL that is not absolute http(s), before any job (exit 2)', async () => {
    const r = await cli(['import', join(ctx.dir, 'none.jsonl'), '--notify', 'ftp://127.0.0.1/x']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /notify URL "ftp:\/\/127\.0\.0\.1\/x" must start with http:\/\/ or https:\/\//);
  });

  it('tells a completed import and its verify once each, signed, with the final counts', async () => {
    const list = users('nt', 12, 5);
    seed(list);
    const file = join(ctx.dir, 'notify.jsonl');
    await writeJsonl(file, list, ['{not json']);
    const r = await cli(['import', file, '--json', '--notify', url]);
    assert.equal(r.code, 3, r.stderr); // the bad line is a failed item
    const s = jsonOut<JobSummaryJson>(r);
    // The CLI's job waited for the delivery: it is there when the command ends.
    const mine = attempts.filter((a) => a.body.jobId === s.jobId);
    const landed = assertOneSignedDelivery(mine);
    assert.equal(landed.delivery, `friend-import-job:${s.jobId}/${landed.delivery.split('/')[1]}`);
    const { event, jobId, kind, state, summary } = landed.body;
    assert.deepEqual([event, jobId, kind, state], ['job.ended', s.jobId, 'import', 'completed']);
    assert.deepEqual(
      [summary.state, summary.lines, summary.items, summary.imported, summary.failed, summary.failedByCode],
      ['completed', 13, 61, 60, 1, { rejected: 1 }],
    );
    assert.deepEqual(
      [summary.imported, summary.failed, summary.calls, summary.reportJsonl],
      [s.imported, s.failed, s.calls, s.reportJsonl],
    );
    assert.equal(summary.notifyError, undefined);

    const v = await cli(['verify', file, '--json', '--notify', url, '--job-id', s.jobId]);
    assert.equal(v.code, 0, v.stderr);
    const vs = jsonOut<{ jobId: string; pairs: number; present: number }>(v);
    const vLanded = assertOneSignedDelivery(attempts.filter((a) => a.body.jobId === vs.jobId));
    assert.deepEqual(
      [vLanded.body.kind, vLanded.body.state, vLanded.body.summary.pairs, vLanded.body.summary.present],
      ['verify', 'completed', 60, 60],
    );
    assert.notEqual(vLanded.delivery, landed.delivery);
  });

  it('tells a cancelled import, as cancelled', async () => {
    const list = users('nc', 200, 20);
    seed(list);
    const file = join(ctx.dir, 'cancel.jsonl');
    await writeJsonl(file, list);
    const job = await startBulkJob(
      { client: ctx.stack.client, taskQueue: ctx.stack.taskQueue },
      { path: file, pageLines: 20, concurrency: 4, notify: url },
    );
    await job.cancel();
    const result = await job.result();
    assert.equal(result.state, 'cancelled');
    const landed = assertOneSignedDelivery(await deliveredFor(job.jobId));
    assert.deepEqual([landed.body.kind, landed.body.state], ['import', 'cancelled']);
    assert.equal(landed.body.summary.imported, result.imported);
    assert.ok(result.imported < 4_000, `stopped early: ${result.imported}`);
  });

  it('tells an import that failed when its file changed under it, as failed with the error', async () => {
    const list = users('nf', 200, 20);
    seed(list);
    const file = join(ctx.dir, 'changing.jsonl');
    await writeJsonl(file, list);
    const job = await startBulkJob(
      { client: ctx.stack.client, taskQueue: ctx.stack.taskQueue },
      { path: file, pageLines: 10, concurrency: 4, notify: url },
    );
    await job.pause();
    await waitFor('the paused page to stop', async () => (await job.progress()).state === 'paused');
    await appendFile(file, '{"From_Account":"late","AddFriendItem":[{"To_Account":"x"}]}\n');
    await job.resume();
    await assert.rejects(job.result());
    const landed = assertOneSignedDelivery(await deliveredFor(job.jobId));
    assert.deepEqual([landed.body.kind, landed.body.state], ['import', 'failed']);
    assert.match(String(landed.body.summary.error), /changed/);
  });
});
