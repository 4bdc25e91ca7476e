import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyFriendImport, type FriendImportResponse } from '../../../im/index.js';

const ok = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ErrorDisplay: '' } as const;
const item = (To_Account: string, ResultCode = 0, ResultInfo = '') => ({
  To_Account,
  ResultCode,
  ResultInfo,
});

describe('classifyFriendImport', () => {
  it('splits the brief batch answer into imported and permanent items, with both lists', () => {
    const res: FriendImportResponse = {
      ...ok,
      ResultItem: [
        item('id1'),
        item('id2', 30010, 'Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold'),
        item('id3', 30002),
      ],
      Fail_Account: ['id2'],
      Invalid_Account: ['id3'],
    };
    const c = classifyFriendImport(['id1', 'id2', 'id3'], res);
    assert.deepEqual(c.request, { class: 'ok' });
    assert.deepEqual(c.imported, ['id1']);
    assert.deepEqual(
      c.permanent.map((p) => [p.toAccount, p.code]),
      [
        ['id2', 30010],
        ['id3', 30002],
      ],
    );
    assert.deepEqual(c.transient, []);
    assert.deepEqual(c.failAccounts, ['id2']);
    assert.deepEqual(c.invalidAccounts, ['id3']);
    assert.deepEqual(c.inconsistencies, []);
  });

  it('per-item transient codes are singled out for a retry of only those items', () => {
    const res = {
      ...ok,
      ResultItem: [item('a'), item('b', 30008), item('c', 30006)],
      Fail_Account: ['b', 'c'],
    };
    const c = classifyFriendImport(['a', 'b', 'c'], res);
    assert.deepEqual(c.imported, ['a']);
    assert.deepEqual(
      c.transient.map((t) => t.toAccount),
      ['b', 'c'],
    );
  });

  it('items missing from ResultItem have an unknown outcome and are sent again', () => {
    const c = classifyFriendImport(['a', 'b'], { ...ok, ResultItem: [item('a')] });
    assert.deepEqual(c.missing, ['b']);
  });

  it('whole-request codes name their class and process no item', () => {
    const rl = classifyFriendImport(['a'], { ActionStatus: 'FAIL', ErrorCode: 70050, ErrorInfo: 'too many' });
    assert.deepEqual(rl.request, { class: 'rateLimit', code: 70050, info: 'too many' });
    assert.deepEqual(rl.imported, []);
    assert.equal(
      classifyFriendImport(['a'], { ActionStatus: 'FAIL', ErrorCode: 30008, ErrorInfo: '' }).request.class,
      'transient',
    );
    assert.equal(
      classifyFriendImport(['a'], { ActionStatus: 'FAIL', ErrorCode: 70009, ErrorInfo: '' }).request.class,
      'config',
    );
    assert.equal(
      classifyFriendImport(['a'], { ActionStatus: 'FAIL', ErrorCode: 30003, ErrorInfo: '' }).request.class,
      'permanent',
    );
    assert.equal(
      classifyFriendImport(['a'], { ActionStatus: 'FAIL', ErrorCode: 70001, ErrorInfo: '' }).request.class,
      'auth',
    );
  });

  it('notes disagreements between ResultItem and the account lists', () => {
    const c = classifyFriendImport(['a', 'b'], {
      ...ok,
      ResultItem: [item('a'), item('b', 30010), item('zz')],
      Fail_Account: ['a'],
    });
    assert.equal(c.inconsistencies.length, 3);
    assert.deepEqual(c.imported, ['a']);
    assert.deepEqual(
      c.permanent.map((p) => p.toAccount),
      ['b'],
    );
  });
});
