/**
 * Our metrics, exported on the worker's Prometheus endpoint beside Temporal's own runtime metrics
 * (one endpoint, served by the SDK's Core runtime). Codes are labels; no account, key or UserSig
 * ever becomes a label or a value.
 */
import type { MetricMeter } from '@temporalio/common';
import type { FriendImportMetrics } from '../activities/friendImportActivity.js';

interface ImportMetrics extends FriendImportMetrics {
  userSigRenewed(): void;
}

export function createImportMetrics(meter: MetricMeter): ImportMetrics {
  const calls = meter.createCounter(
    'friend_import_calls',
    '1',
    'friend_import HTTP calls by result code (0 = answered OK; negative = HTTP status or network error)',
  );
  const imported = meter.createCounter(
    'friend_import_items_imported',
    '1',
    'items the service imported (ResultCode 0)',
  );
  const failed = meter.createCounter(
    'friend_import_items_failed',
    '1',
    'items the service answered with a permanent code',
  );
  const backoffs = meter.createCounter(
    'friend_import_rate_limit_backoffs',
    '1',
    'rate-limit codes that made a call back off',
  );
  const renewals = meter.createCounter(
    'im_usersig_renewals',
    '1',
    'admin UserSigs generated (first use, renewal, after an auth code)',
  );
  return {
    call: (code) => calls.add(1, { code: String(code) }),
    items: (ok, bad) => {
      if (ok > 0) imported.add(ok);
      if (bad > 0) failed.add(bad);
    },
    rateLimitBackoff: (code) => backoffs.add(1, { code: String(code) }),
    userSigRenewed: () => renewals.add(1),
  };
}
