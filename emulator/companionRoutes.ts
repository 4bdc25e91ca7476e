/**
 * The companion calls: account_import, multiaccount_import, account_check, and friend_get (paged),
 * friend_check, friend_delete_all. Each returns the vendor answer for a parsed JSON body; the rules
 * are listed in docs/emulator.md.
 */
import { userIdViolations, utf8Length } from '../im/limits.js';
import {
  AccountCheckRequestSchema,
  AccountImportRequestSchema,
  FriendCheckRequestSchema,
  FriendDeleteAllRequestSchema,
  FriendGetRequestSchema,
  MAX_ACCOUNTS_PER_CALL,
  MultiAccountImportRequestSchema,
} from '../im/schemas.js';
import type { AccountKind, StoredFriend, Store } from './store.js';
import { fail, OK_ACCOUNT, OK_SNS } from './vendor.js';

export interface Answer {
  code: number;
  body: object;
}

export interface CompanionDeps {
  store: Store;
  pageSize: number;
  /** Whether a friend_import for the user is in flight (friend_delete_all conflicts with it). */
  busy(fromAccount: string): boolean;
}

const PROFILE_VALUE_MAX_BYTES = 500;

const accountFail = (code: number, info: string): Answer => ({ code, body: fail(code, info, false) });
const snsFail = (code: number, info: string): Answer => ({ code, body: fail(code, info, true) });

function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}` : 'invalid body';
}

/** 30003 / 30002 when From_Account cannot be used, else undefined. */
function fromAccountProblem(kind: AccountKind | undefined, from: string): Answer | undefined {
  if (kind === 'foreign') return snsFail(30002, `From_Account ${from} belongs to another SDKAppID`);
  if (kind === undefined)
    return snsFail(30003, `From_Account ${from} does not exist: import the account first`);
  return undefined;
}

function batchCount(body: unknown, field: string): number | undefined {
  const list =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  return Array.isArray(list) ? list.length : undefined;
}

export function accountImport(deps: CompanionDeps, body: unknown): Answer {
  const parsed = AccountImportRequestSchema.safeParse(body);
  if (!parsed.success) return accountFail(70402, `invalid parameter: ${firstIssue(parsed.error)}`);
  const { UserID, Nick, FaceUrl } = parsed.data;
  const bad = userIdViolations(UserID, 'UserID')[0];
  if (bad) return accountFail(70402, `invalid parameter: ${bad.path} ${bad.reason}`);
  for (const [name, value] of [
    ['Nick', Nick],
    ['FaceUrl', FaceUrl],
  ] as const)
    if (value !== undefined && utf8Length(value) > PROFILE_VALUE_MAX_BYTES)
      return accountFail(40601, `${name} is longer than ${PROFILE_VALUE_MAX_BYTES} bytes`);
  deps.store.importAccount(UserID, Nick, FaceUrl);
  return { code: 0, body: { ...OK_ACCOUNT } };
}

export function multiAccountImport(deps: CompanionDeps, body: unknown): Answer {
  const count = batchCount(body, 'Accounts') ?? batchCount(body, 'AccountList');
  if (count !== undefined && (count === 0 || count > MAX_ACCOUNTS_PER_CALL))
    return accountFail(
      70206,
      `invalid batch count: 1–${MAX_ACCOUNTS_PER_CALL} accounts per call, got ${count}`,
    );
  const parsed = MultiAccountImportRequestSchema.safeParse(body);
  if (!parsed.success) return accountFail(70402, `invalid parameter: ${firstIssue(parsed.error)}`);
  const entries: { UserID: string; Nick?: string; FaceUrl?: string }[] =
    'Accounts' in parsed.data ? parsed.data.Accounts.map((UserID) => ({ UserID })) : parsed.data.AccountList;
  const failAccounts: string[] = [];
  for (const e of entries) {
    const tooLong = [e.Nick, e.FaceUrl].some(
      (v) => v !== undefined && utf8Length(v) > PROFILE_VALUE_MAX_BYTES,
    );
    if (userIdViolations(e.UserID, 'UserID').length > 0 || tooLong) failAccounts.push(e.UserID);
    else deps.store.importAccount(e.UserID, e.Nick, e.FaceUrl);
  }
  return { code: 0, body: { ...OK_ACCOUNT, FailAccounts: failAccounts } };
}

export function accountCheck(deps: CompanionDeps, body: unknown): Answer {
  const count = batchCount(body, 'CheckItem');
  if (count !== undefined && (count === 0 || count > MAX_ACCOUNTS_PER_CALL))
    return accountFail(
      70206,
      `invalid batch count: 1–${MAX_ACCOUNTS_PER_CALL} accounts per call, got ${count}`,
    );
  const parsed = AccountCheckRequestSchema.safeParse(body);
  if (!parsed.success) return accountFail(70402, `invalid parameter: ${firstIssue(parsed.error)}`);
  const ResultItem = parsed.data.CheckItem.map(({ UserID }) => {
    const bad = userIdViolations(UserID, 'UserID')[0];
    if (bad)
      return {
        UserID,
        ResultCode: 70402,
        ResultInfo: `${bad.path} ${bad.reason}`,
        AccountStatus: 'NotImported',
      };
    const imported = deps.store.accountKind(UserID) === 'local';
    return { UserID, ResultCode: 0, ResultInfo: '', AccountStatus: imported ? 'Imported' : 'NotImported' };
  });
  return { code: 0, body: { ...OK_ACCOUNT, ResultItem } };
}

/** One friend as friend_get shows it: standard tags (unless `standard` is false), then custom ones. */
function valueItems(f: StoredFriend, standard: boolean, custom: boolean): { Tag: string; Value: unknown }[] {
  const out: { Tag: string; Value: unknown }[] = [];
  const { item } = f;
  if (standard) {
    out.push({ Tag: 'Tag_SNS_IM_AddSource', Value: item.AddSource });
    if (item.Remark !== undefined) out.push({ Tag: 'Tag_SNS_IM_Remark', Value: item.Remark });
    if (item.RemarkTime !== undefined) out.push({ Tag: 'Tag_SNS_IM_RemarkTime', Value: item.RemarkTime });
    if (item.GroupName && item.GroupName.length > 0)
      out.push({ Tag: 'Tag_SNS_IM_Group', Value: item.GroupName });
    if (item.AddWording !== undefined) out.push({ Tag: 'Tag_SNS_IM_AddWording', Value: item.AddWording });
    out.push({ Tag: 'Tag_SNS_IM_AddTime', Value: item.AddTime ?? f.at });
  }
  if (custom && item.CustomItem) for (const c of item.CustomItem) out.push({ Tag: c.Tag, Value: c.Value });
  return out;
}

export function friendGet(deps: CompanionDeps, body: unknown): Answer {
  const parsed = FriendGetRequestSchema.safeParse(body);
  if (!parsed.success) return snsFail(30001, `invalid parameter: ${firstIssue(parsed.error)}`);
  const { From_Account: from, StartIndex, StandardSequence, CustomSequence } = parsed.data;
  const problem = fromAccountProblem(deps.store.accountKind(from), from);
  if (problem) return problem;
  const state = deps.store.user(from);
  // A caller that sends the current sequence already holds those fields, so they are left out.
  const standard = !(
    StandardSequence !== undefined &&
    StandardSequence > 0 &&
    StandardSequence === state.standardSequence
  );
  const custom = !(
    CustomSequence !== undefined &&
    CustomSequence > 0 &&
    CustomSequence === state.customSequence
  );
  const all = [...deps.store.friends(from).values()];
  const page = all.slice(StartIndex, StartIndex + deps.pageSize);
  const next = StartIndex + page.length;
  const complete = next >= all.length;
  return {
    code: 0,
    body: {
      UserDataItem: page.map((f) => ({
        To_Account: f.item.To_Account,
        ValueItem: valueItems(f, standard, custom),
      })),
      StandardSequence: state.standardSequence,
      CustomSequence: state.customSequence,
      FriendNum: all.length,
      CompleteFlag: complete ? 1 : 0,
      NextStartIndex: complete ? 0 : next,
      ...OK_SNS,
    },
  };
}

export function friendCheck(deps: CompanionDeps, body: unknown): Answer {
  const parsed = FriendCheckRequestSchema.safeParse(body);
  if (!parsed.success) return snsFail(30001, `invalid parameter: ${firstIssue(parsed.error)}`);
  const { From_Account: from, To_Account, CheckType } = parsed.data;
  const problem = fromAccountProblem(deps.store.accountKind(from), from);
  if (problem) return problem;
  const mine = deps.store.user(from).friends;
  const failAccounts: string[] = [];
  const InfoItem = To_Account.map((to) => {
    const bad = userIdViolations(to, 'To_Account')[0];
    if (bad) {
      failAccounts.push(to);
      return {
        To_Account: to,
        Relation: 'CheckResult_Type_NoRelation',
        ResultCode: 30001,
        ResultInfo: 'Err_SNS_FriendCheck_Param_Invalid',
      };
    }
    const aWithB = mine.has(to);
    const bWithA = CheckType === 'CheckResult_Type_Both' && deps.store.user(to).friends.has(from);
    const Relation =
      aWithB && bWithA
        ? 'CheckResult_Type_BothWay'
        : aWithB
          ? 'CheckResult_Type_AWithB'
          : bWithA
            ? 'CheckResult_Type_BWithA'
            : 'CheckResult_Type_NoRelation';
    return { To_Account: to, Relation, ResultCode: 0, ResultInfo: '' };
  });
  return {
    code: 0,
    body: { InfoItem, ...(failAccounts.length > 0 ? { Fail_Account: failAccounts } : {}), ...OK_SNS },
  };
}

export function friendDeleteAll(deps: CompanionDeps, body: unknown): Answer {
  const parsed = FriendDeleteAllRequestSchema.safeParse(body);
  if (!parsed.success) return snsFail(30001, `invalid parameter: ${firstIssue(parsed.error)}`);
  const { From_Account: from, DeleteType } = parsed.data;
  const problem = fromAccountProblem(deps.store.accountKind(from), from);
  if (problem) return problem;
  if (deps.busy(from)) return snsFail(30008, `write conflict: a friend_import for ${from} is in flight`);
  deps.store.deleteAll(from, DeleteType === 'Delete_Type_Both', Math.floor(Date.now() / 1000));
  return { code: 0, body: { ...OK_SNS } };
}
