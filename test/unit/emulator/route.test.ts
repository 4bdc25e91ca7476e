import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeOf } from '../../../emulator/server.js';

describe('routeOf', () => {
  it('drops leading and trailing slashes and merges runs of slashes, keeping case', () => {
    for (const path of [
      '/v4/sns/friend_import',
      '/v4/sns/friend_import/',
      '//v4/sns/friend_import',
      '/v4//sns///friend_import//',
      'v4/sns/friend_import',
    ])
      assert.equal(routeOf(path), 'v4/sns/friend_import', path);
    assert.equal(routeOf('/v4/SNS/friend_import'), 'v4/SNS/friend_import');
    assert.equal(routeOf('/v4/sns/friend_import/extra'), 'v4/sns/friend_import/extra');
    assert.equal(routeOf('/'), '');
  });
});
