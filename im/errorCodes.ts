/**
 * What every Tencent IM error code means and what to do about it, as data (the
 * relationship-chain, common REST and account/UserSig codes of the vendor's error-code pages).
 * Pure: workflows, activities, the emulator and reports all read this one table.
 */

/**
 * - `transient`: retry the same request with backoff (T).
 * - `rateLimit`: back off for longer; `minDelayMs` says how long at least (R).
 * - `auth`: regenerate the admin UserSig and retry once; if it persists it is a configuration error (A).
 * - `permanent`: never retry; the data (or the account state) must change (P).
 * - `config`: no retry can fix it; the operator must fix a setting (a permanent code that
 *   says the configuration is wrong).
 */
export type CodeClass = 'transient' | 'rateLimit' | 'auth' | 'permanent' | 'config';

export interface CodeInfo {
  code: number;
  class: CodeClass;
  meaning: string;
  /** What to do, in words an operator can act on. */
  advice: string;
  /** For rate-limit codes: the shortest sensible delay before the next attempt. */
  minDelayMs?: number;
}

const T = 'transient';
const R = 'rateLimit';
const A = 'auth';
const P = 'permanent';
const C = 'config';

const RETRY = 'retry with exponential backoff';
const BACK_OFF = 'slow down and retry after a longer delay';
const RESIGN = 'generate a fresh admin UserSig and retry once';
const FIX_DATA = 'do not retry; fix the data or the account state';
const SET_ADMIN = 'set IM_ADMIN_IDENTIFIER to an app admin account';
const CHECK_DOMAIN = 'check IM_SDKAPPID and IM_REGION / IM_BASE_URL';
const ACCOUNT_FIRST = 'import the account first (account_import), then retry';
const ONE_WRITER = 'retry serialized, one write per user';

// [code, class, meaning, advice?, minDelayMs?]
type Row = [number, CodeClass, string, string?, number?];
const ROWS: Row[] = [
  // relationship chain (sns)
  [30001, P, 'bad request parameter', FIX_DATA],
  [30002, P, 'SDKAppID mismatch: the account belongs to another app', FIX_DATA],
  [30003, P, 'requested user account does not exist', ACCOUNT_FIRST],
  [30004, C, 'app admin permission required', SET_ADMIN],
  [30005, P, 'relationship field contains sensitive words', FIX_DATA],
  [30006, T, 'internal server error', RETRY],
  [30007, T, 'network or internal timeout', RETRY],
  [30008, T, 'write conflict from concurrent writes for the same user', ONE_WRITER],
  [30009, P, 'user is forbidden from initiating friend requests', FIX_DATA],
  [30010, P, "friend count reached the limit (the user's list is full)", FIX_DATA],
  [30011, P, 'friend-group count reached the limit', FIX_DATA],
  [30012, P, 'too many pending friend requests', FIX_DATA],
  [30013, P, 'blocklist is full', FIX_DATA],
  [30014, P, "the other party's friend list is full", FIX_DATA],
  [30515, P, "target is in the requester's blocklist", FIX_DATA],
  [30516, P, 'target does not allow anyone to add them', FIX_DATA],
  [30525, P, "requester is in the target's blocklist", FIX_DATA],
  [30539, P, 'target requires approval; a pending request was created', FIX_DATA],
  [30540, R, 'blocked by security policy: too frequent', BACK_OFF, 30_000],
  [30614, P, 'pending request does not exist', FIX_DATA],
  [31704, P, 'no friendship with the account to be deleted', FIX_DATA],
  [31707, R, 'friend deletion blocked by security policy: too frequent', BACK_OFF, 30_000],
  [31804, P, 'requested user account does not exist', FIX_DATA],
  // common REST
  [60002, P, 'HTTP parse error: check the URL format', 'fix the request URL'],
  [60003, P, 'JSON parse error in the request', 'fix the request body'],
  [60004, A, 'account or signature error in URL or body', RESIGN],
  [60005, A, 'account or signature error in URL or body', RESIGN],
  [60006, P, 'SDKAppID invalid', 'check IM_SDKAPPID'],
  [60007, R, 'REST API call frequency over the limit', BACK_OFF, 1_000],
  [60008, T, 'service timeout or malformed HTTP request', RETRY],
  [60009, P, 'requested resource (URL path) is wrong', 'fix the request path'],
  [60010, C, 'app admin permission required: the identifier is not an admin', SET_ADMIN],
  [60011, R, 'SDKAppID request frequency over the limit', BACK_OFF, 1_000],
  [60012, P, 'sdkappid missing from the URL', 'set IM_SDKAPPID'],
  [60013, T, 'JSON parse error of the HTTP response (server side)', RETRY],
  [60014, T, 'account replacement timed out', RETRY],
  [60015, P, 'account in body has the wrong type: it must be a JSON string', 'fix the request body'],
  [60016, P, 'SDKAppID disabled', 'enable the app in the IM console'],
  [60017, P, 'request disabled', 'check the app configuration in the IM console'],
  [60018, R, 'too many requests', BACK_OFF, 1_000],
  [60019, R, 'too many requests', BACK_OFF, 1_000],
  [60020, P, 'paid plan expired and disabled', 'renew the plan in the IM console'],
  [60021, P, 'calling IP not allowed', 'allow this IP in the IM console'],
  // account / UserSig
  [70001, A, 'UserSig expired', RESIGN],
  [70002, A, 'UserSig length is 0', RESIGN],
  [70003, A, 'UserSig invalid or could not be parsed', RESIGN],
  [70005, A, 'UserSig invalid', RESIGN],
  [
    70009,
    C,
    "UserSig verification failed: signed with another app's key",
    'set IM_SECRET_KEY to the secret key of this SDKAppID',
  ],
  [70013, A, 'identifier in the request differs from the one inside the UserSig', RESIGN],
  [70014, C, 'SDKAppID in the request differs from the one inside the UserSig', 'check IM_SDKAPPID'],
  [70016, C, 'key not found: the SDKAppID does not match the data-centre domain', CHECK_DOMAIN],
  [70020, C, 'SDKAppID not found: it does not match the data-centre domain', CHECK_DOMAIN],
  [
    70050,
    R,
    'UserSig failures too frequent: wait one minute',
    'wait at least 60 s, then retry with a fresh UserSig',
    60_000,
  ],
  [70051, P, 'account is blacklisted', FIX_DATA],
  [70052, A, 'UserSig expired or no longer valid', RESIGN],
  [
    70107,
    P,
    'requested account not imported into IM',
    'import the account first (account_import), then retry',
  ],
  [70114, R, 'restricted for security reasons: too frequent', BACK_OFF, 30_000],
  [70169, T, 'internal timeout', RETRY],
  [70202, T, 'internal timeout', RETRY],
  [70206, P, 'invalid batch count in request', 'send at most 1,000 items per call'],
  [70398, P, 'account count over the plan limit', 'upgrade the IM plan'],
  [70402, P, 'invalid parameter: a required field is missing or malformed', 'fix the request body'],
  [70403, C, 'app admin permission required', SET_ADMIN],
  [70500, T, 'internal server error', RETRY],
  [71000, P, 'account deletion refused', FIX_DATA],
];

export const ERROR_CODES: ReadonlyMap<number, CodeInfo> = new Map(
  ROWS.map(([code, cls, meaning, advice, minDelayMs]) => [
    code,
    { code, class: cls, meaning, advice: advice ?? FIX_DATA, ...(minDelayMs ? { minDelayMs } : {}) },
  ]),
);

/** Pseudo-codes for failures that carry no vendor code. */
export const HTTP_STATUS_CODE_BASE = -1000; // -1502 = HTTP 502
export const NETWORK_ERROR_CODE = -1;
export const TIMEOUT_CODE = -2;

/** Looks a code up; an unknown non-zero code is treated as permanent (never retried blindly). */
export function codeInfo(code: number): CodeInfo {
  const known = ERROR_CODES.get(code);
  if (known) return known;
  if (code === NETWORK_ERROR_CODE)
    return { code, class: T, meaning: 'network error (connection refused or reset)', advice: RETRY };
  if (code === TIMEOUT_CODE)
    return { code, class: T, meaning: 'no answer within the client timeout', advice: RETRY };
  if (code <= HTTP_STATUS_CODE_BASE) {
    const status = HTTP_STATUS_CODE_BASE - code;
    const cls: CodeClass = status === 429 ? R : status >= 500 ? T : P;
    return {
      code,
      class: cls,
      meaning: `HTTP status ${status}`,
      advice: cls === P ? 'check IM_BASE_URL' : RETRY,
    };
  }
  return { code, class: P, meaning: `unknown error code ${code}`, advice: FIX_DATA };
}

export function classOf(code: number): CodeClass {
  return codeInfo(code).class;
}

export function httpStatusCode(status: number): number {
  return HTTP_STATUS_CODE_BASE - status;
}

/**
 * Failure types the friendImport activity throws (Temporal `ApplicationFailure.type`), one per
 * class and code, e.g. `IM_TRANSIENT_30008`, `IM_RATE_LIMITED_60007`, `IM_PERMANENT_30003`,
 * `IM_CONFIG_70009`. The workflow reads the class from the prefix and the code from the suffix.
 */
export const FAILURE_PREFIX: Record<CodeClass, string> = {
  transient: 'IM_TRANSIENT_',
  rateLimit: 'IM_RATE_LIMITED_',
  auth: 'IM_AUTH_',
  permanent: 'IM_PERMANENT_',
  config: 'IM_CONFIG_',
};

export function failureType(cls: CodeClass, code: number): string {
  return `${FAILURE_PREFIX[cls]}${code}`;
}

/** Reads a failure type back: `IM_PERMANENT_30003` → { class: 'permanent', code: 30003 }. */
export function parseFailureType(
  type: string | undefined | null,
): { class: CodeClass; code: number } | undefined {
  if (!type) return undefined;
  for (const [cls, prefix] of Object.entries(FAILURE_PREFIX) as [CodeClass, string][]) {
    if (type.startsWith(prefix)) {
      const code = Number(type.slice(prefix.length));
      if (Number.isInteger(code)) return { class: cls, code };
    }
  }
  return undefined;
}
