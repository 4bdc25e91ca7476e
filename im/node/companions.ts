/**
 * Helpers over the companion calls: importing accounts in batches, and reading a user's whole
 * friend list back (for verification after an import).
 */
import type { ImClient, CallOptions } from './client.js';
import { MAX_ACCOUNTS_PER_CALL, type ValueItem } from '../schemas.js';

/** Imports accounts with multiaccount_import, 100 per call; returns the UserIDs the service refused. */
export async function importAccounts(
  client: ImClient,
  userIds: readonly string[],
  options?: CallOptions,
): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < userIds.length; i += MAX_ACCOUNTS_PER_CALL) {
    const res = await client.callOk(
      'multiAccountImport',
      { Accounts: userIds.slice(i, i + MAX_ACCOUNTS_PER_CALL) },
      options,
    );
    failed.push(...(res.FailAccounts ?? []));
  }
  return failed;
}

export interface FriendRecord {
  toAccount: string;
  /** Tag → value, e.g. `Tag_SNS_IM_Remark` → `"r"`, `Tag_SNS_IM_Group` → `["a"]`. */
  values: Record<string, ValueItem['Value']>;
}

/** Pages through friend_get until `CompleteFlag` is set and returns every friend of `fromAccount`. */
export async function getAllFriends(
  client: ImClient,
  fromAccount: string,
  options?: CallOptions,
): Promise<FriendRecord[]> {
  const out: FriendRecord[] = [];
  let start = 0;
  for (let page = 0; page < 10_000; page++) {
    const res = await client.callOk('friendGet', { From_Account: fromAccount, StartIndex: start }, options);
    for (const u of res.UserDataItem ?? [])
      out.push({
        toAccount: u.To_Account,
        values: Object.fromEntries(u.ValueItem.map((v) => [v.Tag, v.Value])),
      });
    if (res.CompleteFlag !== 0 || res.NextStartIndex === undefined || res.NextStartIndex === start)
      return out;
    start = res.NextStartIndex;
  }
  throw new Error(`friend_get for ${fromAccount} did not complete after 10,000 pages`);
}
