/**
 * The job-end notification's pure parts and one attempt of its activity against a loopback
 * receiver: the body, the URL check at every edge, the signature a receiver verifies, the headers
 * with and without a secret, and what an attempt makes of the receiver's answer.
 */
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  createNotifyActivities,
  deliveryHeaders,
  NOTIFY_FAILURE_TYPE,
  signatureHeader,
  verifySignature,
} from '../../../activities/notify.js';
import { parseNotifyUrl } from '../../../cli/commands/support/options.js';
import { notifyField } from '../../../client/notify.js';
import { loadNotifySettings } from '../../../config/notify.js';
import { deliveryId, jobEndedBody, notifyUrlProblem, type NotifyJobEndInput } from '../../../core/notify.js';

const SECRET = 'a-test-secret-of-32-characters!!';
const summary = { jobId: 'job-1', state: 'completed', imported: 3, failed: 1 };
const input: NotifyJobEndInput = {
  url: 'http://127.0.0.1:1/hook',
  deliveryId: deliveryId('friend-import-job:job-1', 'run-1'),
  event: 'job.ended',
  body: jobEndedBody('import', summary),
};

describe('job-end notification: body and URL', () => {
  it('wraps the final summary with the event, the job, its kind and state', () => {
    assert.deepEqual(jobEndedBody('verify', { ...summary, state: 'cancelled' }), {
      event: 'job.ended',
      jobId: 'job-1',
      kind: 'verify',
      state: 'cancelled',
      summary: { ...summary, state: 'cancelled' },
    });
    assert.equal(input.deliveryId, 'friend-import-job:job-1/run-1');
  });

  it('takes absolute http(s) URLs only, at the library and the CLI alike', () => {
    for (const ok of ['http://127.0.0.1:8080/hook', 'https://hooks.example.com/a?b=c', 'http://[::1]/x'])
      assert.equal(notifyUrlProblem(ok), undefined, ok);
    const bad: [string, RegExp][] = [
      ['/relative/path', /not an absolute URL/],
      ['example.com/hook', /not an absolute URL/],
      ['ftp://example.com/hook', /must start with http:\/\/ or https:\/\//],
      ['file:///etc/passwd', /must start with http/],
      ['https://user:pw@example.com/', /must not carry a user or password/],
      [`http://x/${'a'.repeat(2_100)}`, /longer than 2000/],
    ];
    for (const [url, why] of bad) {
      assert.match(notifyUrlProblem(url) ?? '', why, url);
      assert.throws(() => notifyField(url), { name: 'JobStartError', message: why });
      assert.throws(
        () => parseNotifyUrl(url),
        (e: Error & { exitCode?: number }) => e.exitCode === 2,
      );
    }
    // The password is never repeated back.
    assert.doesNotMatch(notifyUrlProblem('https://user:hunter2@example.com/') ?? '', /hunter2/);
    assert.deepEqual(notifyField(undefined), {});
    assert.deepEqual(notifyField('https://h/x'), { notify: { url: 'https://h/x' } });
  });
});

describe('job-end notification: signature', () => {
  const body = JSON.stringify(input.body);

  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const expected = createHmac('sha256', SECRET).update(`1700000000.${body}`).digest('hex');
    assert.equal(signatureHeader(SECRET, 1_700_000_000, body), `t=1700000000,v1=${expected}`);
  });

  it('verifies for the exact body and secret, within the tolerance, and nothing else', () => {
    const t = 1_700_000_000;
    const header = signatureHeader(SECRET, t, body);
    assert.equal(verifySignature(SECRET, header, body, { now: t + 10 }), true);
    assert.equal(verifySignature(SECRET, header, `${body} `, { now: t }), false);
    assert.equal(verifySignature('another-secret-of-enough-length', header, body, { now: t }), false);
    assert.equal(verifySignature(SECRET, header, body, { now: t + 301 }), false);
    assert.equal(verifySignature(SECRET, undefined, body, { now: t }), false);
    assert.equal(verifySignature(SECRET, `t=${t},v1=zz`, body, { now: t }), false);
  });

  it('is sent only when the worker has a secret; the delivery ID and event always', () => {
    const unsigned = deliveryHeaders(input, body, undefined, 1);
    assert.equal(unsigned['x-friend-import-signature'], undefined);
    assert.equal(unsigned['x-friend-import-delivery'], 'friend-import-job:job-1/run-1');
    assert.equal(unsigned['x-friend-import-event'], 'job.ended');
    assert.equal(unsigned['content-length'], Buffer.byteLength(body));
    const signed = deliveryHeaders(input, body, SECRET, 5);
    assert.equal(signed['x-friend-import-signature'], signatureHeader(SECRET, 5, body));
  });

  it('takes the secret from FRIEND_IMPORT_NOTIFY_SECRET, refusing a short one without saying it', () => {
    assert.deepEqual(loadNotifySettings({}), {});
    assert.deepEqual(loadNotifySettings({ FRIEND_IMPORT_NOTIFY_SECRET: `  ${SECRET} ` }), { secret: SECRET });
    assert.throws(
      () => loadNotifySettings({ FRIEND_IMPORT_NOTIFY_SECRET: 'short-s3cret' }),
      (e: Error) =>
        /FRIEND_IMPORT_NOTIFY_SECRET must be at least 16/.test(e.message) && !/s3cret/.test(e.message),
    );
  });
});

describe('job-end notification: one attempt', () => {
  it('is delivered on 2xx and fails retryably on any other answer or no answer', async () => {
    const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
    let status = 500;
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(status).end(status === 500 ? 'receiver is down' : '');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const notifier = createNotifyActivities({ secret: SECRET, now: () => 1_700_000_000 });
      await assert.rejects(
        notifier.notifyJobEnd({ ...input, url }),
        (e: unknown) =>
          e instanceof ApplicationFailure &&
          e.type === NOTIFY_FAILURE_TYPE &&
          !e.nonRetryable &&
          /answered 500: receiver is down/.test(e.message) &&
          !e.message.includes(SECRET),
      );
      status = 204;
      assert.deepEqual(await notifier.notifyJobEnd({ ...input, url }), { status: 204, signed: true });
      assert.equal(seen.length, 2);
      // Both attempts carry the same bytes and delivery ID; the body parses to what was sent.
      assert.equal(seen[0]!.body, seen[1]!.body);
      assert.deepEqual(JSON.parse(seen[1]!.body), input.body);
      assert.equal(seen[1]!.headers['x-friend-import-delivery'], input.deliveryId);
      const sig = seen[1]!.headers['x-friend-import-signature'] as string;
      assert.equal(verifySignature(SECRET, sig, seen[1]!.body, { now: 1_700_000_000 }), true);
    } finally {
      server.close();
    }
    // Nobody listens there any more: a network error is a retryable failure too.
    await assert.rejects(createNotifyActivities().notifyJobEnd({ ...input, url }), (e: unknown) => {
      return (
        e instanceof ApplicationFailure && e.type === NOTIFY_FAILURE_TYPE && /not delivered/.test(e.message)
      );
    });
  });
});
