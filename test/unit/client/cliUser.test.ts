import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { itemsOf } from '../../../client/commands/user.js';

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
});
