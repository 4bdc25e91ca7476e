/**
 * The account calls of accounts first (docs/cli.md, "Accounts first"): account_check for which of
 * up to 100 accounts exist, multiaccount_import for the missing ones (up to 100 a call, UserIDs
 * only). Each call waits for a slot of its API's app-wide rate from the holder session. A call that
 * gets no business answer is retried as a friend_import call is (core/retry.ts); a whole call the
 * service refuses fails its accounts with the reason; a wrong setting stops the job.
 */
import { pacedCall } from '../pacedCall.js';
import { MAX_ACCOUNTS_PER_ACCOUNT_CALL, type UncreatableAccount } from '../../core/accounts.js';
import { codeInfo } from '../../im/errorCodes.js';
import type { ImClient } from '../../im/node/client.js';
import type { Envelope } from '../../im/schemas.js';

export type AccountApi = 'account_check' | 'multiaccount_import';

export interface AccountCallDeps {
  im: ImClient;
  /** Waits for a call slot of `api`; returns the function to call with its answer. */
  slot(api: AccountApi, signal: AbortSignal): Promise<() => void>;
  /** Counts a call as it is sent. */
  onCall(api: AccountApi): void;
  /** Aborts the waits (slots, back-offs) and the calls in flight: the activity is being cancelled. */
  signal: AbortSignal;
  log?: (message: string, meta: object) => void;
}

/** A setting is wrong (no retry can help): the job stops with this message. */
export class AccountConfigStop extends Error {
  override name = 'AccountConfigStop';
}

/** A call that kept failing with transient errors: the activity fails and Temporal retries it. */
export class AccountCallsExhausted extends Error {
  override name = 'AccountCallsExhausted';
}

/** How many times an account multiaccount_import lists in FailAccounts is sent at most. */
const CREATE_TRIES = 2;

type Outcome<R> = { ok: true; res: R } | { ok: false; code: number; reason: string };

const refusal = (api: AccountApi, code: number, info: string): string =>
  `${api} refused it: ${code} ${codeInfo(code).meaning}${info ? ` (${info})` : ''}`;

async function withRetries<R extends Envelope>(
  deps: AccountCallDeps,
  api: AccountApi,
  send: () => Promise<R>,
): Promise<Outcome<R>> {
  const out = await pacedCall(deps, api, deps.signal, send, (message) => new AccountConfigStop(message));
  if (out.ok) return out;
  // An account that could not be looked up is not known to be missing: its items must not fail
  // for it, so the whole activity is tried again later instead.
  if (out.kind === 'exhausted') throw new AccountCallsExhausted(`${api}: ${out.info || `error ${out.code}`}`);
  return { ok: false, code: out.code, reason: refusal(api, out.code, out.info) };
}

/** What account_check says of a batch: which accounts exist, which are missing, which it refused. */
export interface CheckedAccounts {
  missing: string[];
  refused: UncreatableAccount[];
}

/** Checks up to 100 accounts with one account_check call (retried as needed). */
export async function checkAccounts(
  deps: AccountCallDeps,
  accounts: readonly string[],
): Promise<CheckedAccounts> {
  if (accounts.length > MAX_ACCOUNTS_PER_ACCOUNT_CALL)
    throw new RangeError(`at most ${MAX_ACCOUNTS_PER_ACCOUNT_CALL} accounts a call`);
  const out = await withRetries(deps, 'account_check', () =>
    deps.im.call(
      'accountCheck',
      { CheckItem: accounts.map((UserID) => ({ UserID })) },
      { signal: deps.signal },
    ),
  );
  if (!out.ok)
    return {
      missing: [],
      refused: accounts.map((account) => ({ account, code: out.code, reason: out.reason })),
    };
  const answered = new Map((out.res.ResultItem ?? []).map((r) => [r.UserID, r]));
  const result: CheckedAccounts = { missing: [], refused: [] };
  for (const account of accounts) {
    const r = answered.get(account);
    // An account the answer leaves out is created: importing an existing account changes nothing.
    if (!r) result.missing.push(account);
    else if (r.ResultCode !== 0)
      result.refused.push({
        account,
        code: r.ResultCode,
        reason: refusal('account_check', r.ResultCode, r.ResultInfo),
      });
    else if (r.AccountStatus === 'NotImported') result.missing.push(account);
  }
  return result;
}

/** What multiaccount_import made of a batch. */
export interface CreatedAccounts {
  created: string[];
  failed: UncreatableAccount[];
}

/**
 * Creates up to 100 accounts with multiaccount_import (UserIDs only: the file has no profile data).
 * The answer does not say why an account is in FailAccounts, so those are sent once more.
 */
export async function createAccounts(
  deps: AccountCallDeps,
  accounts: readonly string[],
): Promise<CreatedAccounts> {
  if (accounts.length > MAX_ACCOUNTS_PER_ACCOUNT_CALL)
    throw new RangeError(`at most ${MAX_ACCOUNTS_PER_ACCOUNT_CALL} accounts a call`);
  const created: string[] = [];
  let pending = [...accounts];
  for (let tryNo = 1; pending.length > 0; tryNo++) {
    const batch = pending;
    const out = await withRetries(deps, 'multiaccount_import', () =>
      deps.im.call('multiAccountImport', { Accounts: batch }, { signal: deps.signal }),
    );
    if (!out.ok)
      return { created, failed: batch.map((account) => ({ account, code: out.code, reason: out.reason })) };
    const failed = new Set(out.res.FailAccounts ?? []);
    for (const account of batch) if (!failed.has(account)) created.push(account);
    pending = batch.filter((a) => failed.has(a));
    if (pending.length > 0 && tryNo >= CREATE_TRIES)
      return {
        created,
        failed: pending.map((account) => ({
          account,
          code: 0,
          reason: `multiaccount_import listed it in FailAccounts ${CREATE_TRIES} times`,
        })),
      };
  }
  return { created, failed: [] };
}
