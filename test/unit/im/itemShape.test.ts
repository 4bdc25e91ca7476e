import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasItemShape } from '../../../im/itemShape.js';
import { AddFriendItemSchema } from '../../../im/schemas.js';

let seed = 2026;
const next = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) % n;
const pick = <T>(xs: readonly T[]): T => xs[next(xs.length)]!;

// Values of every kind zod might see, including the edge cases of its integer and array checks.
const ODD_VALUES: unknown[] = [
  undefined,
  null,
  true,
  0,
  -0,
  -1,
  1.5,
  2 ** 53,
  Number.NaN,
  Infinity,
  '',
  'text',
  [],
  ['g'],
  [1],
  // eslint-disable-next-line no-sparse-arrays
  [, 'g'],
  {},
  { Tag: 'Tag_SNS_Custom_A', Value: 1 },
  { Tag: 'Tag_SNS_Custom_A', Value: 1.5 },
  { Tag: 'Tag_SNS_Custom_A' },
  { Tag: 'Tag_SNS_Custom_A', Value: 'v', More: 1 },
  [{ Tag: 'Tag_SNS_Custom_A', Value: 'v' }],
  [{ Tag: 'Tag_SNS_Custom_A', Value: 2 ** 60 }],
  new Date(0),
];
const FIELDS = Object.keys(AddFriendItemSchema.shape);

function validItem(): Record<string, unknown> {
  const out: Record<string, unknown> = { To_Account: `u${next(100)}`, AddSource: 'AddSource_Type_Web' };
  if (next(2)) out.Remark = 'r';
  if (next(2)) out.RemarkTime = next(2 ** 31);
  if (next(2)) out.GroupName = Array.from({ length: next(3) }, (_, i) => `g${i}`);
  if (next(2)) out.AddWording = 'w';
  if (next(2)) out.AddTime = 1_700_000_000;
  if (next(2)) out.CustomItem = [{ Tag: 'Tag_SNS_Custom_A', Value: next(2) ? 'v' : next(1000) }];
  return out;
}

function mutated(): unknown {
  const item = validItem();
  for (let k = 1 + next(2); k > 0; k--) {
    const field = next(5) === 0 ? 'Extra' : pick(FIELDS);
    if (next(4) === 0) delete item[field];
    else item[field] = pick(ODD_VALUES);
  }
  if (next(20) === 0) return Object.assign(Object.create(null) as object, item);
  if (next(20) === 0) return [item];
  return item;
}

describe('hasItemShape: the shortcut past zod', () => {
  it('accepts only what AddFriendItemSchema accepts, and zod would return it unchanged', () => {
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = i % 4 === 0 ? validItem() : mutated();
      const parsed = AddFriendItemSchema.safeParse(raw);
      if (hasItemShape(raw)) {
        accepted++;
        assert.ok(parsed.success, `zod refuses ${JSON.stringify(raw)}`);
        assert.deepEqual(parsed.data, { ...(raw as object) }, JSON.stringify(raw));
      } else refused++;
    }
    // Both sides were exercised.
    assert.ok(accepted > 5_000 && refused > 5_000, `${accepted} accepted, ${refused} refused`);
  });

  it('takes every valid plain item, so a bulk job never pays for zod on good input', () => {
    for (let i = 0; i < 1_000; i++) {
      const raw = validItem();
      assert.ok(hasItemShape(JSON.parse(JSON.stringify(raw))), JSON.stringify(raw));
    }
  });

  it('leaves class instances, arrays and unsafe integers to zod', () => {
    class Item {
      To_Account = 'a';
      AddSource = 'AddSource_Type_Web';
    }
    assert.equal(hasItemShape(new Item()), false);
    assert.equal(hasItemShape([{ To_Account: 'a', AddSource: 'AddSource_Type_Web' }]), false);
    assert.equal(hasItemShape({ To_Account: 'a', AddSource: 'AddSource_Type_Web', AddTime: 2 ** 53 }), false);
    assert.equal(
      hasItemShape({ To_Account: 'a', AddSource: 'AddSource_Type_Web', Remark: undefined }),
      false,
    );
  });
});
