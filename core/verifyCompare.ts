/**
 * How a verify job compares what the source says with what the service answered (docs/verify.md).
 * Pure: the page activity makes the calls and hands their answers here.
 *
 * Values are compared the way the service stores them: an empty string is the same as no value,
 * a group list is a set (order and repeats do not matter), and a custom tag's number and its
 * decimal string are the same value.
 */
import type { AddFriendItem } from '../im/schemas.js';
import { userIdViolations } from '../im/limits.js';
import {
  COMPARED_FIELDS,
  type FieldValues,
  type PairDiff,
  type PairExpectation,
  type VerifyCounters,
  type VerifyLineOutcome,
} from './verifyTypes.js';

/** friend_get's tag for each standard field. */
const FIELD_TAGS: Record<(typeof COMPARED_FIELDS)[number], string> = {
  Remark: 'Tag_SNS_IM_Remark',
  GroupName: 'Tag_SNS_IM_Group',
  AddSource: 'Tag_SNS_IM_AddSource',
  AddWording: 'Tag_SNS_IM_AddWording',
};
const CUSTOM_PREFIX = 'Tag_SNS_Custom_';

/** A UserID the service could hold (anything else cannot be anyone's friend, so it is not asked for). */
export const validAccount = (id: string): boolean => userIdViolations(id, 'id').length === 0;

function put(out: FieldValues, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    const groups = [...new Set(value.map(String))].filter((g) => g !== '').sort();
    if (groups.length > 0) out[name] = groups;
    return;
  }
  if (typeof value === 'string') {
    if (value !== '') out[name] = value;
    return;
  }
  if (typeof value === 'number') out[name] = value;
}

/** The compared fields of an item as the source gives it. */
export function expectedValues(item: AddFriendItem): FieldValues {
  const out: FieldValues = {};
  put(out, 'Remark', item.Remark);
  put(out, 'GroupName', item.GroupName);
  put(out, 'AddSource', item.AddSource);
  put(out, 'AddWording', item.AddWording);
  for (const c of item.CustomItem ?? []) put(out, c.Tag, c.Value);
  return out;
}

/** The compared fields of a friend as friend_get lists them (`ValueItem`). */
export function foundValues(values: readonly { Tag: string; Value: unknown }[]): FieldValues {
  const out: FieldValues = {};
  for (const { Tag, Value } of values) {
    const field = (Object.keys(FIELD_TAGS) as (keyof typeof FIELD_TAGS)[]).find((f) => FIELD_TAGS[f] === Tag);
    if (field) put(out, field, Value);
    else if (Tag.startsWith(CUSTOM_PREFIX)) put(out, Tag, Value);
  }
  return out;
}

const same = (a: FieldValues[string] | undefined, b: FieldValues[string] | undefined): boolean =>
  Array.isArray(a) || Array.isArray(b)
    ? JSON.stringify(a ?? []) === JSON.stringify(b ?? [])
    : (a === undefined ? '' : String(a)) === (b === undefined ? '' : String(b));

/** The fields whose values differ: the standard ones in a fixed order, then custom tags by name. */
export function differingFields(expected: FieldValues, found: FieldValues): string[] {
  const out: string[] = COMPARED_FIELDS.filter((f) => !same(expected[f], found[f]));
  const tags = new Set(
    [...Object.keys(expected), ...Object.keys(found)].filter((k) => k.startsWith(CUSTOM_PREFIX)),
  );
  for (const tag of [...tags].sort()) if (!same(expected[tag], found[tag])) out.push(tag);
  return out;
}

/** Only the named fields (absent ones stay absent). */
function pick(values: FieldValues, fields: readonly string[]): FieldValues {
  const out: FieldValues = {};
  for (const f of fields) {
    const v = values[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

/**
 * What the service answered for one user's pairs:
 * - `read`: its friends among the accounts asked for (with their fields when friend_get read them);
 * - `noUser`: the service refused the From_Account itself (not imported, another app): it holds no friends;
 * - `unreadable`: no answer after the retries.
 */
export type ServiceView =
  | { kind: 'read'; friends: ReadonlyMap<string, FieldValues | undefined> }
  | { kind: 'noUser'; code: number; info: string }
  | { kind: 'unreadable'; code: number; info: string };

export interface PairVerdict {
  line: number;
  toAccount: string;
  expect: PairExpectation['expect'];
  /** Undefined when the pair is as expected. */
  diff?: PairDiff;
}

/** Compares one user's pairs with the service's answer; `fields` says whether fields were read. */
export function judgePairs(
  pairs: readonly PairExpectation[],
  view: ServiceView,
  fields: boolean,
): PairVerdict[] {
  return pairs.map((p): PairVerdict => {
    const base = { line: p.line, toAccount: p.toAccount, expect: p.expect };
    const expected = p.item ? expectedValues(p.item) : null;
    if (!p.checkable) return base;
    if (view.kind === 'unreadable')
      return {
        ...base,
        diff: {
          toAccount: p.toAccount,
          expect: p.expect,
          differs: ['unchecked'],
          expected,
          found: null,
          note: `the service could not be read: ${view.code} ${view.info}`.trim(),
        },
      };
    const friends = view.kind === 'read' ? view.friends : undefined;
    const present = friends?.has(p.toAccount) === true;
    const found = present ? (friends?.get(p.toAccount) ?? {}) : null;
    const noUser =
      view.kind === 'noUser' ? `the service refused From_Account: ${view.code} ${view.info}` : '';
    if (p.expect === 'absent') {
      if (!present) return base;
      return {
        ...base,
        diff: {
          toAccount: p.toAccount,
          expect: 'absent',
          differs: ['unexpected'],
          expected: null,
          found: fields ? found : {},
          ...(p.why && { note: `expected absent: ${p.why}` }),
        },
      };
    }
    const item = p.item;
    if (!present)
      return {
        ...base,
        diff: {
          toAccount: p.toAccount,
          expect: 'present',
          differs: ['missing'],
          expected,
          found: null,
          ...(noUser && { note: noUser.trim() }),
          ...(item && { item }),
        },
      };
    if (!fields || !expected || !found) return base;
    const differs = differingFields(expected, found);
    if (differs.length === 0) return base;
    return {
      ...base,
      diff: {
        toAccount: p.toAccount,
        expect: 'present',
        differs,
        expected: pick(expected, differs),
        found: pick(found, differs),
        ...(item && { item }),
      },
    };
  });
}

/** Adds one verdict to a line's outcome. */
export function recordVerdict(o: VerifyLineOutcome, v: PairVerdict): void {
  if (v.diff) o.diffs.push(v.diff);
  else if (v.expect === 'present') o.present.push(v.toAccount);
  else o.absent.push(v.toAccount);
}

/** Counts one outcome line's pairs into `c` (not its line, user or items: the caller's). */
export function countOutcome(
  c: VerifyCounters,
  o: Pick<VerifyLineOutcome, 'present' | 'absent' | 'diffs'>,
): void {
  c.present += o.present.length;
  c.absent += o.absent.length;
  c.pairs += o.present.length + o.absent.length + o.diffs.length;
  for (const d of o.diffs) countDiff(c, d);
}

export function countDiff(c: VerifyCounters, d: Pick<PairDiff, 'differs'>): void {
  const [first] = d.differs;
  if (first === 'missing') c.missing++;
  else if (first === 'unexpected') c.unexpected++;
  else if (first === 'unchecked') c.unchecked++;
  else {
    c.different++;
    for (const f of d.differs) c.byField[f] = (c.byField[f] ?? 0) + 1;
  }
}
