import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rowLine, validateFile, validateItems } from '../../../cli/commands/support/dryRun.js';
import { itemsOf } from '../../../cli/commands/user.js';
import type { ReportRow } from '../../../core/jobTypes.js';

describe('user FILE', () => {
  const item = { To_Account: 'bob', AddSource: 'AddSource_Type_Web' };

  it('takes an array of items or one request body', () => {
    assert.deepEqual(itemsOf([item], 'alice', 'f.json'), [item]);
    assert.deepEqual(itemsOf({ From_Account: 'alice', AddFriendItem: [item] }, 'alice', 'f.json'), [item]);
    assert.deepEqual(itemsOf({ AddFriendItem: [item] }, 'alice', 'f.json'), [item]);
  });

  it('refuses a body for another user, and anything else', () => {
    assert.throws(
      () => itemsOf({ From_Account: 'carol', AddFriendItem: [item] }, 'alice', 'f.json'),
      /"carol", not "alice"/,
    );
    assert.throws(() => itemsOf({ items: [] }, 'alice', 'f.json'), /JSON array of AddFriendItem/);
    assert.throws(() => itemsOf('x', 'alice', 'f.json'), /JSON array of AddFriendItem/);
  });

  it('checks the items here with the dry run’s rules and words', async () => {
    const items = [
      item,
      { To_Account: 'carol', AddSource: 'AddSource_Type_Web', Remark: 'r'.repeat(97) },
      { To_Account: 'alice', AddSource: 'AddSource_Type_Web' },
      { To_Account: 'dave', AddSource: 'AddSource_Type_Web', Colour: 'blue' },
    ];
    const { fromProblem, badItems } = validateItems('alice', items);
    assert.equal(fromProblem, undefined);
    assert.deepEqual(
      badItems.map((r) => [r.line, r.toAccount, r.code]),
      [
        [1, 'carol', 'rejected'],
        [2, 'alice', 'rejected'],
        [3, 'dave', 'rejected'],
      ],
    );
    assert.equal(
      rowLine(badItems[0] as ReportRow, 'item'),
      'item 1: alice → carol: AddFriendItem[1].Remark is 97 bytes; the limit is 96 bytes (UTF-8)',
    );
    // The same items as one JSONL request body: the dry run gives each the same reason.
    const dir = await mkdtemp(join(tmpdir(), 'cli-user-'));
    try {
      const file = join(dir, 'body.jsonl');
      await writeFile(file, `${JSON.stringify({ From_Account: 'alice', AddFriendItem: items })}\n`);
      const dryRows: ReportRow[] = [];
      await validateFile(file, 'jsonl', (r) => void dryRows.push(r));
      assert.deepEqual(
        dryRows.map((r) => r.reason),
        badItems.map((r) => r.reason),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.deepEqual(validateItems('alice', [item]), { badItems: [] });
  });

  it('names a From_Account that cannot import anything once, not per item', () => {
    const { fromProblem, badItems } = validateItems('x'.repeat(33), [item, item]);
    assert.match(fromProblem ?? '', /^From_Account is 33 bytes; a UserID is at most 32 bytes/);
    assert.deepEqual(badItems, []);
  });
});
