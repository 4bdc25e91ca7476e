import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatsCollector } from '../../../emulator/stats.js';

describe('StatsCollector', () => {
  it('keeps the most arrivals within any sliding second for each route on its own', () => {
    const stats = new StatsCollector(false);
    // friend_check: 3 within 999 ms, then a fourth one second after the first (the first drops out).
    for (const t of [0, 10, 999, 1000]) stats.routeArrived('v4/sns/friend_check', t);
    for (const t of [0, 500]) stats.routeArrived('v4/sns/friend_get', t);
    assert.deepEqual(stats.snapshot().maxInAnyWindowByRoute, {
      'v4/sns/friend_check': 3,
      'v4/sns/friend_get': 2,
    });
    assert.equal(stats.snapshot().friendImport.maxCallsInAnyWindow, 0, 'friend_import counts apart');
    stats.reset();
    assert.deepEqual(stats.snapshot().maxInAnyWindowByRoute, {});
  });

  it('counts overlaps of the other friend writes per route, apart from friend_import’s', () => {
    const stats = new StatsCollector(false);
    stats.routeOverlap('v4/sns/friend_update');
    stats.routeOverlap('v4/sns/friend_update');
    stats.routeOverlap('v4/sns/friend_delete');
    assert.deepEqual(stats.snapshot().overlapsByRoute, {
      'v4/sns/friend_update': 2,
      'v4/sns/friend_delete': 1,
    });
    assert.equal(stats.snapshot().friendImport.overlaps, 0);
    stats.reset();
    assert.deepEqual(stats.snapshot().overlapsByRoute, {});
  });
});
