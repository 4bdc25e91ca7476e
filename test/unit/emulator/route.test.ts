import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extrasAllowed, routeOf } from '../../../emulator/server.js';

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

describe('extrasAllowed', () => {
  it('lets anyone ask for health, and only callers on this machine use the other extras', () => {
    for (const op of ['GET health'])
      for (const a of ['10.0.0.7', '172.17.0.1', undefined]) assert.equal(extrasAllowed(op, a), true);
    for (const op of ['PUT faults', 'GET calls', 'GET stats', 'POST stats/reset']) {
      for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.0.1.1'])
        assert.equal(extrasAllowed(op, a), true, `${op} ${a}`);
      for (const a of ['10.0.0.7', '::ffff:172.17.0.1', '192.168.1.5', 'fe80::1', '', undefined])
        assert.equal(extrasAllowed(op, a), false, `${op} ${String(a)}`);
    }
  });
});
