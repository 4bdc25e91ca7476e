import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  COMMANDS,
  DEFAULT_UPDATE_ITEMS_PER_CALL,
  FriendDeleteRequestSchema,
  FriendDeleteResponseSchema,
  FriendUpdateRequestSchema,
  FriendUpdateResponseSchema,
  MAX_DELETE_ACCOUNTS_PER_CALL,
} from '../../../im/index.js';

describe('friend_update schemas', () => {
  it("the vendor's sample request parses: remark, group list and a custom tag", () => {
    const parsed = FriendUpdateRequestSchema.parse({
      From_Account: 'id',
      UpdateItem: [
        { To_Account: 'id1', SnsItem: [{ Tag: 'Tag_SNS_IM_Remark', Value: 'remark1' }] },
        {
          To_Account: 'id2',
          SnsItem: [
            { Tag: 'Tag_SNS_IM_Remark', Value: 'remark2' },
            { Tag: 'Tag_SNS_IM_Group', Value: ['group1', 'group2'] },
            { Tag: 'Tag_SNS_Custom_Test', Value: 'test' },
          ],
        },
      ],
    });
    assert.equal(parsed.UpdateItem[1]?.SnsItem.length, 3);
  });

  it('refuses a wrong value type per tag, other tags, empty lists and unknown fields', () => {
    const one = (sns: unknown, extra: object = {}) =>
      FriendUpdateRequestSchema.safeParse({
        From_Account: 'a',
        UpdateItem: [{ To_Account: 'b', SnsItem: [sns] }],
        ...extra,
      }).success;
    assert.equal(one({ Tag: 'Tag_SNS_IM_Remark', Value: ['x'] }), false);
    assert.equal(one({ Tag: 'Tag_SNS_IM_Group', Value: 'g' }), false);
    assert.equal(one({ Tag: 'Tag_SNS_IM_AddSource', Value: 'AddSource_Type_X' }), false);
    assert.equal(one({ Tag: 'Tag_SNS_Custom_Level', Value: 3 }), true);
    assert.equal(one({ Tag: 'Tag_SNS_Custom_Level', Value: ['x'] }), false);
    assert.equal(one({ Tag: 'Tag_SNS_IM_Remark', Value: 'x', Extra: 1 }), false);
    assert.equal(one({ Tag: 'Tag_SNS_IM_Remark', Value: 'x' }, { Other: 1 }), false);
    assert.equal(FriendUpdateRequestSchema.safeParse({ From_Account: 'a', UpdateItem: [] }).success, false);
    assert.equal(
      FriendUpdateRequestSchema.safeParse({
        From_Account: 'a',
        UpdateItem: [{ To_Account: 'b', SnsItem: [] }],
      }).success,
      false,
    );
  });

  it('sets no upper bound itself: the cap is a setting, 100 by default', () => {
    assert.equal(DEFAULT_UPDATE_ITEMS_PER_CALL, 100);
    const items = Array.from({ length: 500 }, (_, i) => ({
      To_Account: `u${i}`,
      SnsItem: [{ Tag: 'Tag_SNS_IM_Remark', Value: 'r' }],
    }));
    assert.equal(FriendUpdateRequestSchema.safeParse({ From_Account: 'a', UpdateItem: items }).success, true);
  });

  it('the response: envelope, ResultItem (ResultInfo defaults to ""), Fail_Account, extra fields kept', () => {
    const res = FriendUpdateResponseSchema.parse({
      ResultItem: [
        { To_Account: 'b', ResultCode: 0 },
        { To_Account: 'c', ResultCode: 30001, ResultInfo: 'Err_SNS_FriendUpdate_Not_Friend' },
      ],
      Fail_Account: ['c'],
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      ErrorDisplay: '',
      Later: true,
    });
    assert.equal(res.ResultItem?.[0]?.ResultInfo, '');
    assert.deepEqual(res.Fail_Account, ['c']);
    assert.equal((res as Record<string, unknown>).Later, true);
    assert.equal(FriendUpdateResponseSchema.parse({ ActionStatus: 'FAIL', ErrorCode: 30008 }).ErrorInfo, '');
  });
});

describe('friend_delete schemas', () => {
  it('1–1,000 To_Account, an optional DeleteType of the two the vendor names', () => {
    assert.equal(MAX_DELETE_ACCOUNTS_PER_CALL, 1000);
    const req = (to: string[], extra: object = {}) =>
      FriendDeleteRequestSchema.safeParse({ From_Account: 'a', To_Account: to, ...extra }).success;
    assert.equal(req(['b']), true);
    assert.equal(req(['b'], { DeleteType: 'Delete_Type_Both' }), true);
    assert.equal(req(['b'], { DeleteType: 'Delete_Type_Single' }), true);
    assert.equal(req(['b'], { DeleteType: 'Delete_Type_All' }), false);
    assert.equal(req([]), false);
    assert.equal(req(Array.from({ length: 1000 }, (_, i) => `u${i}`)), true);
    assert.equal(req(Array.from({ length: 1001 }, (_, i) => `u${i}`)), false);
  });

  it('the response parses with and without ResultItem', () => {
    const ok = FriendDeleteResponseSchema.parse({
      ResultItem: [{ To_Account: 'b', ResultCode: 31704, ResultInfo: 'x' }],
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
    });
    assert.equal(ok.ResultItem?.[0]?.ResultCode, 31704);
    assert.equal(
      FriendDeleteResponseSchema.safeParse({ ActionStatus: 'FAIL', ErrorCode: 30003 }).success,
      true,
    );
  });
});

describe('COMMANDS', () => {
  it('names the two calls, so the client can call them', () => {
    assert.equal(COMMANDS.friendUpdate.path, 'v4/sns/friend_update');
    assert.equal(COMMANDS.friendDelete.path, 'v4/sns/friend_delete');
    assert.equal(COMMANDS.friendUpdate.request, FriendUpdateRequestSchema);
    assert.equal(COMMANDS.friendDelete.response, FriendDeleteResponseSchema);
  });
});
