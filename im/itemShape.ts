/**
 * A fast, sound shortcut past `AddFriendItemSchema.safeParse` for the common case: a plain object
 * that already has the schema's exact shape. A bulk job checks millions of items and zod's copy of
 * each was a fifth of the worker's CPU per call; anything this does not accept still goes through
 * zod, which stays the single definition and the source of every error message. The unit test
 * `itemShape.test.ts` checks, over generated items, that whatever this accepts zod accepts unchanged.
 */
import type { AddFriendItem, CustomItem } from './schemas.js';

const isString = (v: unknown): v is string => typeof v === 'string';
// zod's `.int()` accepts safe integers only.
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

/** Like `every`, but a hole in a sparse array fails as zod fails it. */
function allOf(v: unknown, test: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!test(v[i])) return false;
  return true;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isCustomItem(v: unknown): v is CustomItem {
  if (!isPlainObject(v)) return false;
  let keys = 0;
  for (const k in v) {
    keys++;
    if (k === 'Tag') {
      if (!isString(v.Tag)) return false;
    } else if (k === 'Value') {
      if (!isString(v.Value) && !Number.isSafeInteger(v.Value)) return false;
    } else return false;
  }
  return keys === 2;
}

/** True when `raw` is exactly what `AddFriendItemSchema` would accept and return unchanged. */
export function hasItemShape(raw: unknown): raw is AddFriendItem {
  if (!isPlainObject(raw)) return false;
  let required = 0;
  for (const k in raw) {
    const v = raw[k];
    switch (k) {
      case 'To_Account':
      case 'AddSource':
        if (!isString(v)) return false;
        required++;
        break;
      case 'Remark':
      case 'AddWording':
        if (!isString(v)) return false;
        break;
      case 'RemarkTime':
      case 'AddTime':
        if (!isCount(v)) return false;
        break;
      case 'GroupName':
        if (!allOf(v, isString)) return false;
        break;
      case 'CustomItem':
        if (!allOf(v, isCustomItem)) return false;
        break;
      default:
        return false;
    }
  }
  return required === 2;
}
