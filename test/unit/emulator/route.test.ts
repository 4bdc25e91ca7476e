import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extrasAllowed, extrasTokenFor, routeOf } from '../../../emulator/server.js';

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

describe('extrasTokenFor', () => {
  it('makes a token up whenever the emulator listens beyond loopback, and keeps one given', () => {
    for (const host of ['127.0.0.1', '127.0.1.1', '::1', 'localhost'])
      assert.equal(extrasTokenFor(host, undefined), undefined);
    const made = ['0.0.0.0', '::', '192.168.1.5'].map((h) => extrasTokenFor(h, undefined));
    for (const t of made) assert.match(t ?? '', /^[A-Za-z0-9_-]{32}$/);
    assert.equal(new Set(made).size, made.length, 'a fresh token each time');
    assert.equal(extrasTokenFor('0.0.0.0', 'a-token-of-16-chars'), 'a-token-of-16-chars');
    for (const bad of ['short', 'has a space in it!!', 'x'.repeat(201)])
      assert.throws(() => extrasTokenFor('127.0.0.1', bad), /16–200 printable/);
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

  it('lets a caller on another machine use them with the extras token, and only with it', () => {
    const token = 'x'.repeat(16) + 'token';
    for (const op of ['PUT faults', 'GET calls']) {
      assert.equal(extrasAllowed(op, '10.0.0.7', `Bearer ${token}`, token), true);
      for (const presented of [
        undefined,
        '',
        token,
        `Bearer ${token}x`,
        `Bearer ${token.slice(1)}`,
        'Bearer ',
      ])
        assert.equal(extrasAllowed(op, '10.0.0.7', presented, token), false, String(presented));
      // No token configured: no header opens them.
      assert.equal(extrasAllowed(op, '10.0.0.7', 'Bearer undefined', undefined), false);
    }
  });
});
