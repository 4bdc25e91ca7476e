import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountIndex } from '../../../emulator/accountIndex.js';

describe('AccountIndex', () => {
  it('stores kinds, relabels, grows, and finds nothing it was not given', () => {
    const idx = new AccountIndex(4);
    const n = 200_000;
    for (let i = 0; i < n; i++) idx.set(`user_${i}`, i % 10 === 0 ? 'foreign' : 'local');
    assert.equal(idx.size, n);
    for (let i = 0; i < n; i++) assert.equal(idx.get(`user_${i}`), i % 10 === 0 ? 'foreign' : 'local');
    // Near misses: other lengths, other cases, swapped characters, prefixes and suffixes.
    for (let i = 0; i < n; i += 7) {
      for (const probe of [`user_${i + n}`, `User_${i}`, `user_${i}_`, `user${i}`, `_user_${i}`, `resu_${i}`])
        assert.equal(idx.get(probe), undefined, probe);
    }
    idx.set('user_10', 'local');
    assert.equal(idx.get('user_10'), 'local');
    assert.equal(idx.size, n, 'relabelling adds nothing');
  });

  it('handles the whole UTF-16 range and the empty string', () => {
    const idx = new AccountIndex();
    const odd = ['', '\u4e2d\u6587', '\u{1F600}', 'a\u0000b', 'x'.repeat(32)];
    for (const s of odd) idx.set(s, 'local');
    for (const s of odd) assert.equal(idx.get(s), 'local');
    assert.equal(idx.get('\u4e2d'), undefined);
    assert.equal(idx.get('x'.repeat(31)), undefined);
  });
});
