/**
 * The options of the friend writes and of the per-API limits, checked and resolved with their
 * defaults (docs/emulator.md, friend writes and rates).
 */
import { COMMANDS } from '../im/schemas.js';
import { DEFAULT_UPDATE_ITEMS_PER_CALL } from '../im/friendUpdateSchemas.js';
import { CUSTOM_TAG_PATTERN } from '../im/limits.js';
import { WindowLimiter } from './rateWindow.js';
import {
  DELETE_NOT_FRIEND_CODES,
  RATE_LIMITED_APIS,
  type DeleteNotFriendCode,
  type EmulatorOptions,
  type RateLimitedApi,
} from './types.js';

/** The vendor's documented rates (calls per second, per app and per API). */
export const API_RATE_DEFAULTS: Readonly<Record<RateLimitedApi, number>> = {
  friend_update: 200,
  friend_delete: 200,
  account_check: 100,
  multiaccount_import: 100,
};

const API_PATHS: Readonly<Record<RateLimitedApi, string>> = {
  friend_update: COMMANDS.friendUpdate.path,
  friend_delete: COMMANDS.friendDelete.path,
  account_check: COMMANDS.accountCheck.path,
  multiaccount_import: COMMANDS.multiAccountImport.path,
};

/** friend_delete's code for a To_Account that is not a friend, unless `deleteNotFriendCode` says otherwise. */
export const DEFAULT_DELETE_NOT_FRIEND_CODE: DeleteNotFriendCode = 31704;

export interface WriteOptions {
  apiRateLimits: Record<RateLimitedApi, number>;
  maxUpdateItems: number;
  customTags?: ReadonlySet<string>;
  deleteNotFriendCode: DeleteNotFriendCode;
}

function wholeNumber(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${v}`);
  return v;
}

export function resolveWriteOptions(o: EmulatorOptions): WriteOptions {
  const apiRateLimits = { ...API_RATE_DEFAULTS };
  for (const [api, rate] of Object.entries(o.apiRateLimits ?? {})) {
    if (!(RATE_LIMITED_APIS as readonly string[]).includes(api))
      throw new RangeError(`apiRateLimits: unknown API ${api}; one of ${RATE_LIMITED_APIS.join(', ')}`);
    apiRateLimits[api as RateLimitedApi] = wholeNumber(`apiRateLimits.${api}`, rate, 0);
  }
  const maxUpdateItems = wholeNumber('maxUpdateItems', o.maxUpdateItems ?? DEFAULT_UPDATE_ITEMS_PER_CALL, 1);
  const bad = o.customTags?.find((t) => !CUSTOM_TAG_PATTERN.test(t));
  if (bad !== undefined)
    throw new RangeError(`customTags: ${bad} is not "Tag_SNS_Custom_" followed by 1–8 English letters`);
  const code = o.deleteNotFriendCode ?? DEFAULT_DELETE_NOT_FRIEND_CODE;
  if (!(DELETE_NOT_FRIEND_CODES as readonly number[]).includes(code))
    throw new RangeError(`deleteNotFriendCode must be one of ${DELETE_NOT_FRIEND_CODES.join(', ')}`);
  return {
    apiRateLimits,
    maxUpdateItems,
    ...(o.customTags !== undefined && { customTags: new Set(o.customTags) }),
    deleteNotFriendCode: code,
  };
}

/** Route path → limiter, for the APIs with a rate above 0. */
export function apiLimiters(rates: Record<RateLimitedApi, number>): Map<string, WindowLimiter> {
  const out = new Map<string, WindowLimiter>();
  for (const api of RATE_LIMITED_APIS)
    if (rates[api] > 0) out.set(API_PATHS[api], new WindowLimiter(rates[api], 1000));
  return out;
}
