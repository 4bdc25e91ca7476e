import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideOnFailure } from '../../../core/retry.js';
import { httpStatusCode } from '../../../im/errorCodes.js';
import { retryAfterMs } from '../../../im/node/errors.js';

describe("a server's Retry-After", () => {
  it('reads seconds or an HTTP date, never below 0 or above 10 minutes', () => {
    const now = Date.parse('2026-12-06T08:00:00Z');
    assert.equal(retryAfterMs('2', now), 2_000);
    assert.equal(retryAfterMs(' 0 ', now), 0);
    assert.equal(retryAfterMs('Sun, 06 Dec 2026 08:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Sun, 06 Dec 2026 07:59:00 GMT', now), 0);
    assert.equal(retryAfterMs('86400', now), 600_000);
    for (const bad of [undefined, '', 'soon', '-3', '1.5'])
      assert.equal(retryAfterMs(bad, now), undefined, bad);
  });

  it('is the least a retry waits, whatever the class of the failure', () => {
    const http = (status: number) => httpStatusCode(status);
    const limited = decideOnFailure('rateLimit', http(429), '', 1, undefined, 0, 5_000);
    assert.deepEqual([limited.action, limited.action === 'retry' && limited.delayMs], ['retry', 5_000]);
    const unasked = decideOnFailure('rateLimit', http(429), '', 1, undefined, 0);
    assert.equal(
      unasked.action === 'retry' && unasked.delayMs,
      1_000,
      'the default pause without the header',
    );
    const busy = decideOnFailure('transient', http(503), '', 1, undefined, 0, 7_000);
    assert.equal(busy.action === 'retry' && busy.delayMs, 7_000);
    const sooner = decideOnFailure('transient', http(503), '', 1, undefined, 0, 10);
    assert.equal(sooner.action === 'retry' && sooner.delayMs, 1_000, 'never sooner than the backoff');
  });
});
