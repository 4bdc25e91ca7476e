/**
 * What the emulator answers, in the vendor's words: the response envelope every REST call shares
 * (ActionStatus, ErrorCode, ErrorInfo, and ErrorDisplay on the friend APIs) and the per-item
 * ResultInfo names of friend_import (`Err_SNS_FriendImport_<Reason>`). See docs/emulator.md.
 */
import type { Violation } from '../im/limits.js';

export const RATE_LIMIT_CODES = [60007, 60011, 60018, 60019] as const;
export type RateLimitCode = (typeof RATE_LIMIT_CODES)[number];

interface FailEnvelope {
  ActionStatus: 'FAIL';
  ErrorCode: number;
  ErrorInfo: string;
  ErrorDisplay?: string;
}

/** A whole-request failure. The sns (friend) APIs also carry `ErrorDisplay`. */
export function fail(code: number, info: string, sns: boolean): FailEnvelope {
  return sns
    ? { ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info, ErrorDisplay: '' }
    : { ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info };
}

/** The success envelope fields, appended after the payload fields as the vendor samples do. */
export const OK_SNS = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ErrorDisplay: '' } as const;
export const OK_ACCOUNT = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } as const;

/** Per-item ResultInfo of friend_import, by cause. The two documented ones are verbatim. */
export const ITEM_INFO = {
  ok: '',
  duplicate: 'Err_SNS_FriendImport_To_Account_Duplicate',
  self: 'Err_SNS_FriendImport_Add_Self',
  toAccount: 'Err_SNS_FriendImport_To_Account_Invalid',
  addSource: 'Err_SNS_FriendImport_AddSource_Invalid',
  remark: 'Err_SNS_FriendImport_Remark_Too_Long',
  addWording: 'Err_SNS_FriendImport_AddWording_Too_Long',
  group: 'Err_SNS_FriendImport_Group_Name_Invalid',
  custom: 'Err_SNS_FriendImport_CustomItem_Invalid',
  param: 'Err_SNS_FriendImport_Param_Invalid',
  sdkAppId: 'Err_SNS_FriendImport_SdkAppId_Illegal',
  notExist: 'Err_SNS_FriendImport_Account_Not_Exist',
  sensitive: 'Err_SNS_FriendImport_Dirty_Words',
  internal: 'Err_SNS_FriendImport_Exec_Task_Fail',
  timeout: 'Err_SNS_FriendImport_Exec_Task_Timeout',
  conflict: 'Err_SNS_FriendImport_Write_Conflict',
  friendLimit: 'Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold',
  groupLimit: 'Err_SNS_FriendImport_Group_Num_Exceed_Threshold',
  alreadyFriend: 'Err_SNS_FriendImport_Already_Friend',
} as const;

/** The ResultInfo for an item rejected by the field rules, named after the first broken field. */
export function violationInfo(v: Violation | undefined): string {
  if (!v) return ITEM_INFO.param;
  const field = v.path.replace(/^AddFriendItem\[\d+\]\.?/, '');
  if (field.startsWith('To_Account'))
    return v.reason.includes('own friend') ? ITEM_INFO.self : ITEM_INFO.toAccount;
  if (field.startsWith('AddSource')) return ITEM_INFO.addSource;
  if (field.startsWith('Remark')) return ITEM_INFO.remark;
  if (field.startsWith('AddWording')) return ITEM_INFO.addWording;
  if (field.startsWith('GroupName')) return ITEM_INFO.group;
  if (field.startsWith('CustomItem')) return ITEM_INFO.custom;
  return ITEM_INFO.param;
}

/** ResultInfo for an injected per-item fault code. */
export function faultInfo(code: number): string {
  if (code === 30008) return ITEM_INFO.conflict;
  if (code === 30007) return ITEM_INFO.timeout;
  return ITEM_INFO.internal;
}

const PLAIN = /^[\w\-.@:]*$/;

/** A string as JSON; plain identifiers (the common case) skip JSON.stringify. */
function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

function jsonStrings(list: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) out += (i > 0 ? ',' : '') + jsonString(list[i] as string);
  return `${out}]`;
}

/**
 * The friend_import answer as JSON text, in the field order of the vendor samples. Built by hand
 * because it is on the hot path (three times faster than JSON.stringify of the objects).
 */
export function friendImportResponseJson(
  results: readonly { To_Account: string; ResultCode: number; ResultInfo: string }[],
  failAccounts: readonly string[],
  invalidAccounts: readonly string[],
): string {
  let out = '{"ResultItem":[';
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as { To_Account: string; ResultCode: number; ResultInfo: string };
    out += `${i > 0 ? ',' : ''}{"To_Account":${jsonString(r.To_Account)},"ResultCode":${r.ResultCode},"ResultInfo":${jsonString(r.ResultInfo)}}`;
  }
  out += ']';
  if (failAccounts.length > 0) out += `,"Fail_Account":${jsonStrings(failAccounts)}`;
  if (invalidAccounts.length > 0) out += `,"Invalid_Account":${jsonStrings(invalidAccounts)}`;
  return `${out},"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}`;
}
