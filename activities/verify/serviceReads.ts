/**
 * The reads a verify page makes, each in a call slot of its own API from the page's holder session
 * (the app-wide rate of that API): friend_check for which accounts a user holds (up to 1,000 a
 * call), friend_get for the user's whole list with its fields (paged). Failures are retried like a
 * friend_import call's (core/retry.ts); a refusal of the From_Account itself means the user has no
 * friends; a wrong setting stops the job.
 */
import { pacedCall } from '../pacedCall.js';
import { foundValues, type ServiceView } from '../../core/verifyCompare.js';
import type { FieldValues, VerifyApi } from '../../core/verifyTypes.js';
import type { ImClient } from '../../im/node/client.js';
import { MAX_ITEMS_PER_CALL, type Envelope } from '../../im/schemas.js';

export interface ReadDeps {
  im: ImClient;
  /** Waits for a call slot of `api`; returns the function to call with its answer. */
  slot(api: VerifyApi, signal: AbortSignal): Promise<() => void>;
  /** Counts a call as it is sent. */
  onCall(): void;
  /** Aborts the calls in flight (worker shutdown); a pause or a cancel lets them finish. */
  callSignal: AbortSignal;
  log?: (message: string, meta: object) => void;
}

/** A setting is wrong (no retry can help): the job stops with this message. */
export class ConfigStop extends Error {
  override name = 'ConfigStop';
}

/** The service refused the From_Account itself: the user does not exist in this app. */
const USER_REFUSED = new Set([30002, 30003, 31804]);

type Outcome<R> = { ok: true; res: R } | { ok: false; view: ServiceView };

async function withRetries<R extends Envelope>(
  deps: ReadDeps,
  api: VerifyApi,
  signal: AbortSignal,
  send: () => Promise<R>,
): Promise<Outcome<R>> {
  const out = await pacedCall(deps, api, signal, send, (message) => new ConfigStop(message));
  if (out.ok) return out;
  const { code, info } = out;
  return {
    ok: false,
    view: { kind: out.kind === 'permanent' && USER_REFUSED.has(code) ? 'noUser' : 'unreadable', code, info },
  };
}

/** Which of `toAccounts` `from` holds as friends, by friend_check (≤ 1,000 accounts a call). */
export async function checkFriends(
  deps: ReadDeps,
  from: string,
  toAccounts: readonly string[],
  signal: AbortSignal,
): Promise<ServiceView> {
  const friends = new Map<string, FieldValues | undefined>();
  for (let i = 0; i < toAccounts.length; i += MAX_ITEMS_PER_CALL) {
    const chunk = toAccounts.slice(i, i + MAX_ITEMS_PER_CALL);
    const out = await withRetries(deps, 'friend_check', signal, () =>
      deps.im.call(
        'friendCheck',
        { From_Account: from, To_Account: chunk, CheckType: 'CheckResult_Type_Single' },
        { signal: deps.callSignal },
      ),
    );
    if (!out.ok) return out.view;
    for (const info of out.res.InfoItem ?? [])
      if (
        info.ResultCode === 0 &&
        (info.Relation === 'CheckResult_Type_AWithB' || info.Relation === 'CheckResult_Type_BothWay')
      )
        friends.set(info.To_Account, undefined);
  }
  return { kind: 'read', friends };
}

/** `from`'s friends among `wanted`, with their fields, by friend_get (every page of the list). */
export async function getFriends(
  deps: ReadDeps,
  from: string,
  /** The friends to keep (undefined: every friend, for a sync's plan). */
  wanted: ReadonlySet<string> | undefined,
  signal: AbortSignal,
): Promise<ServiceView> {
  const friends = new Map<string, FieldValues | undefined>();
  let start = 0;
  for (let page = 0; page < 10_000; page++) {
    const out = await withRetries(deps, 'friend_get', signal, () =>
      deps.im.call('friendGet', { From_Account: from, StartIndex: start }, { signal: deps.callSignal }),
    );
    if (!out.ok) return out.view;
    for (const u of out.res.UserDataItem ?? [])
      if (!wanted || wanted.has(u.To_Account)) friends.set(u.To_Account, foundValues(u.ValueItem));
    const next = out.res.NextStartIndex;
    if (out.res.CompleteFlag !== 0 || next === undefined || next <= start) break;
    start = next;
  }
  return { kind: 'read', friends };
}
