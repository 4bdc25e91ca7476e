import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FingerprintSet } from '../../../emulator/fingerprints.js';

describe('FingerprintSet', () => {
  it('holds flags, relabels, grows, and finds nothing it was not given', () => {
    const set = new FingerprintSet(4);
    const n = 200_000;
    for (let i = 0; i < n; i++) assert.equal(set.add(`user_${i}`, i % 10 === 0 ? 1 : 0), true);
    assert.equal(set.size, n);
    for (let i = 0; i < n; i++) assert.equal(set.flag(`user_${i}`), i % 10 === 0 ? 1 : 0);
    // Near misses: other numbers, other cases, swapped characters, prefixes and suffixes.
    for (let i = 0; i < n; i += 7)
      for (const probe of [`user_${i + n}`, `User_${i}`, `user_${i}_`, `user${i}`, `_user_${i}`, `resu_${i}`])
        assert.equal(set.has(probe), false, probe);
    assert.equal(set.add('user_10', 0), false, 'relabelling adds nothing');
    assert.equal(set.flag('user_10'), 0);
    assert.equal(set.size, n);
  });

  it('deletes without breaking other entries (checked against Set over random operations)', () => {
    const set = new FingerprintSet();
    const ref = new Set<string>();
    let seed = 7;
    for (let step = 0; step < 60_000; step++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const key = `k${seed % 3000}`;
      if (seed % 3 === 0) assert.equal(set.delete(key), ref.delete(key), `delete ${key} at ${step}`);
      else assert.equal(set.add(key), !ref.has(key) && Boolean(ref.add(key)), `add ${key} at ${step}`);
      if (step % 5000 === 0) for (let k = 0; k < 3000; k++) assert.equal(set.has(`k${k}`), ref.has(`k${k}`));
    }
    assert.equal(set.size, ref.size);
    for (let k = 0; k < 3000; k++) assert.equal(set.has(`k${k}`), ref.has(`k${k}`));
    set.clear();
    assert.equal(set.size, 0);
    assert.equal(set.has('k1'), false);
    assert.equal(set.add('k1'), true);
  });

  it('handles the whole UTF-16 range and the empty string', () => {
    const set = new FingerprintSet();
    const odd = ['', '\u4e2d\u6587', '\u{1F600}', 'a\u0000b', 'x'.repeat(32)];
    for (const s of odd) set.add(s);
    for (const s of odd) assert.equal(set.has(s), true);
    assert.equal(set.has('\u4e2d'), false);
    assert.equal(set.has('x'.repeat(31)), false);
  });
});
