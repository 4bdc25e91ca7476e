/**
 * The request-field limits of friend_import (validated input, docs/architecture.md), checked
 * before any write.
 *
 * Pure and deterministic: used by workflows (inside Temporal's sandbox), by file validation and by
 * the emulator. Lengths are UTF-8 bytes, counted without Node's Buffer so the sandbox can run it.
 */
import type { z } from 'zod';
import { AddFriendItemSchema, type AddFriendItem } from './schemas.js';
import { hasItemShape } from './itemShape.js';
import { utf8Length } from './utf8.js';

export { utf8Length };

export const LIMITS = {
  userIdMaxBytes: 32,
  remarkMaxBytes: 96,
  groupNameMaxBytes: 30,
  groupsPerItem: 32,
  addWordingMaxBytes: 256,
  customValueMaxBytes: 500,
  addSourceKeywordMaxBytes: 8,
  customTagKeywordMaxBytes: 8,
} as const;

export const ADD_SOURCE_PATTERN = /^AddSource_Type_[A-Za-z]{1,8}$/;
export const CUSTOM_TAG_PATTERN = /^Tag_SNS_Custom_[A-Za-z]{1,8}$/;

/** One broken rule: where (a field path such as `AddFriendItem[2].Remark`) and why, in plain words. */
export interface Violation {
  path: string;
  reason: string;
}

export type ItemCheck = { ok: true; item: AddFriendItem } | { ok: false; violations: Violation[] };

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Violations of the UserID rule (1–32 UTF-8 bytes, no control characters); empty when valid. */
export function userIdViolations(value: unknown, path: string): Violation[] {
  if (typeof value !== 'string') return [{ path, reason: `must be a string, got ${describe(value)}` }];
  if (value.length === 0) return [{ path, reason: 'must not be empty' }];
  const out: Violation[] = [];
  const bytes = utf8Length(value);
  if (bytes > LIMITS.userIdMaxBytes)
    out.push({
      path,
      reason: `is ${bytes} bytes; a UserID is at most ${LIMITS.userIdMaxBytes} bytes (UTF-8)`,
    });
  if (CONTROL_CHARS.test(value)) out.push({ path, reason: 'contains a control character' });
  return out;
}

function maxBytes(value: string | undefined, limit: number, path: string, out: Violation[]): void {
  if (value === undefined) return;
  const bytes = utf8Length(value);
  if (bytes > limit) out.push({ path, reason: `is ${bytes} bytes; the limit is ${limit} bytes (UTF-8)` });
}

/**
 * Every violation of one `AddFriendItem` for the user `fromAccount`: structure (types, required and
 * unknown fields) and the field limits. `prefix` is prepended to each path (e.g. `AddFriendItem[3]`).
 */
export function checkFriendItem(raw: unknown, fromAccount: string, prefix = ''): ItemCheck {
  return checkItem(raw, fromAccount, () => prefix);
}

/** `checkFriendItem` with the path prefix built only when there is a violation to name. */
function checkItem(raw: unknown, fromAccount: string, prefixOf: () => string): ItemCheck {
  const at = (field: string): string => {
    const prefix = prefixOf();
    return prefix ? `${prefix}.${field}` : field;
  };
  let item: AddFriendItem;
  if (hasItemShape(raw)) item = raw;
  else {
    const parsed = AddFriendItemSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, violations: structuralViolations(parsed.error, prefixOf()) };
    item = parsed.data;
  }
  const out: Violation[] = [];

  const toViolations = userIdViolations(item.To_Account, 'To_Account');
  for (const v of toViolations) out.push({ path: at(v.path), reason: v.reason });
  if (item.To_Account === fromAccount)
    out.push({ path: at('To_Account'), reason: 'equals From_Account: a user cannot be their own friend' });
  if (!ADD_SOURCE_PATTERN.test(item.AddSource))
    out.push({
      path: at('AddSource'),
      reason: `must be "AddSource_Type_" followed by 1–${LIMITS.addSourceKeywordMaxBytes} English letters, got ${JSON.stringify(truncate(item.AddSource))}`,
    });
  maxBytes(item.Remark, LIMITS.remarkMaxBytes, at('Remark'), out);
  maxBytes(item.AddWording, LIMITS.addWordingMaxBytes, at('AddWording'), out);
  if (item.GroupName) {
    if (item.GroupName.length > LIMITS.groupsPerItem)
      out.push({
        path: at('GroupName'),
        reason: `has ${item.GroupName.length} groups; at most ${LIMITS.groupsPerItem} are allowed`,
      });
    item.GroupName.forEach((name, i) => {
      if (name.length === 0) out.push({ path: at(`GroupName[${i}]`), reason: 'must not be empty' });
      maxBytes(name, LIMITS.groupNameMaxBytes, at(`GroupName[${i}]`), out);
    });
  }
  if (item.CustomItem) {
    const seen = new Set<string>();
    item.CustomItem.forEach((custom, i) => {
      if (!CUSTOM_TAG_PATTERN.test(custom.Tag))
        out.push({
          path: at(`CustomItem[${i}].Tag`),
          reason: `must be "Tag_SNS_Custom_" followed by 1–${LIMITS.customTagKeywordMaxBytes} English letters, got ${JSON.stringify(truncate(custom.Tag))}`,
        });
      if (seen.has(custom.Tag))
        out.push({ path: at(`CustomItem[${i}].Tag`), reason: `repeats the tag ${custom.Tag}` });
      seen.add(custom.Tag);
      if (typeof custom.Value === 'string')
        maxBytes(custom.Value, LIMITS.customValueMaxBytes, at(`CustomItem[${i}].Value`), out);
    });
  }
  return out.length === 0 ? { ok: true, item } : { ok: false, violations: out };
}

/** Turns zod issues into violations with field paths and readable reasons. */
export function structuralViolations(error: z.ZodError, prefix = ''): Violation[] {
  return error.issues.map((issue) => {
    const path = joinPath(prefix, issue.path);
    if (issue.code === 'unrecognized_keys')
      return { path: path || '(item)', reason: `has unknown field(s): ${issue.keys.join(', ')}` };
    if (issue.code === 'invalid_type') {
      const missing = issue.message.includes('received undefined');
      return {
        path: path || '(item)',
        reason: missing ? 'is required' : `must be ${article(issue.expected)}`,
      };
    }
    return { path: path || '(item)', reason: issue.message };
  });
}

/** `AddFriendItem` + [3, 'Remark'] → `AddFriendItem[3].Remark`. */
export function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  let out = prefix;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out;
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function truncate(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Result of checking a whole friend_import request body, item by item (see `checkFriendImportBody`). */
export interface BodyCheck {
  /** Problems with the body as a whole (not an object, From_Account missing or invalid, no item array). */
  bodyViolations: Violation[];
  fromAccount?: string;
  /** One entry per element of `AddFriendItem`, in order. */
  items: ItemCheck[];
}

/**
 * Checks a friend_import body the way our importer needs: a bad item is rejected alone, so each
 * item gets its own verdict. The 1,000-item cap is not enforced here: the importer re-batches.
 */
export function checkFriendImportBody(raw: unknown): BodyCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return {
      bodyViolations: [{ path: '(body)', reason: `must be a JSON object, got ${describe(raw)}` }],
      items: [],
    };
  const body = raw as Record<string, unknown>;
  const bodyViolations: Violation[] = [];
  const unknown = Object.keys(body).filter((k) => k !== 'From_Account' && k !== 'AddFriendItem');
  if (unknown.length > 0)
    bodyViolations.push({ path: '(body)', reason: `has unknown field(s): ${unknown.join(', ')}` });
  const fromViolations =
    body.From_Account === undefined
      ? [{ path: 'From_Account', reason: 'is required' }]
      : userIdViolations(body.From_Account, 'From_Account');
  bodyViolations.push(...fromViolations);
  const fromAccount = fromViolations.length === 0 ? (body.From_Account as string) : undefined;
  if (!Array.isArray(body.AddFriendItem)) {
    bodyViolations.push({
      path: 'AddFriendItem',
      reason: body.AddFriendItem === undefined ? 'is required' : 'must be an array',
    });
    return { bodyViolations, fromAccount, items: [] };
  }
  const items = body.AddFriendItem.map((item: unknown, i) =>
    checkItem(item, fromAccount ?? '', () => `AddFriendItem[${i}]`),
  );
  return { bodyViolations, fromAccount, items };
}
