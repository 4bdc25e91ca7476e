import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  AccountCheckResponseSchema,
  AccountImportRequestSchema,
  FriendCheckRequestSchema,
  FriendCheckResponseSchema,
  FriendDeleteAllRequestSchema,
  FriendGetResponseSchema,
  FriendImportRequestSchema,
  FriendImportResponseSchema,
  MultiAccountImportRequestSchema,
  MultiAccountImportResponseSchema,
  checkFriendImportBody,
} from '../../../im/index.js';

// The vendor's documented friend_import examples, copied verbatim (test/fixtures/api-brief-examples.json).
const brief = JSON.parse(
  readFileSync(new URL('../../fixtures/api-brief-examples.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

describe("the vendor's friend_import examples", () => {
  for (const name of ['request-basic', 'request-complete', 'request-batch']) {
    it(`${name} parses as a friend_import request and passes every field check`, () => {
      const parsed = FriendImportRequestSchema.parse(brief[name]);
      assert.equal(parsed.From_Account, 'id');
      const check = checkFriendImportBody(brief[name]);
      assert.deepEqual(check.bodyViolations, []);
      assert.ok(
        check.items.every((i) => i.ok),
        JSON.stringify(check.items),
      );
    });
  }

  it('the Complete form keeps every field, including an integer custom value', () => {
    const item = FriendImportRequestSchema.parse(brief['request-complete']).AddFriendItem[0]!;
    assert.deepEqual(item.GroupName, ['Friends']);
    assert.equal(item.RemarkTime, 1420000001);
    assert.deepEqual(item.CustomItem, [
      { Tag: 'Tag_SNS_Custom_XXXX', Value: 'Test' },
      { Tag: 'Tag_SNS_Custom_YYYY', Value: 0 },
    ]);
  });

  it('the Batch form carries three items', () => {
    assert.equal(FriendImportRequestSchema.parse(brief['request-batch']).AddFriendItem.length, 3);
  });

  it('the basic response parses with no Fail_Account or Invalid_Account', () => {
    const r = FriendImportResponseSchema.parse(brief['response-basic']);
    assert.equal(r.ResultItem?.[0]?.ResultCode, 0);
    assert.equal(r.Fail_Account, undefined);
    assert.equal(r.Invalid_Account, undefined);
  });

  it('the batch response keeps Fail_Account and Invalid_Account apart', () => {
    const r = FriendImportResponseSchema.parse(brief['response-batch']);
    assert.deepEqual(r.Fail_Account, ['id2']);
    assert.deepEqual(r.Invalid_Account, ['id3']);
    assert.deepEqual(
      r.ResultItem?.map((i) => i.ResultCode),
      [0, 30010, 30002],
    );
  });

  it('the newer batch response lists both in Fail_Account', () => {
    const r = FriendImportResponseSchema.parse({
      ResultItem: [
        { To_Account: 'id1', ResultCode: 0, ResultInfo: '' },
        {
          To_Account: 'id2',
          ResultCode: 30010,
          ResultInfo: 'Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold',
        },
        { To_Account: 'id3', ResultCode: 30002, ResultInfo: 'Err_SNS_FriendImport_SdkAppId_Illegal' },
      ],
      Fail_Account: ['id2', 'id3'],
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      ErrorDisplay: '',
    });
    assert.deepEqual(r.Fail_Account, ['id2', 'id3']);
  });

  it('a whole-request failure without ErrorDisplay or ResultItem parses', () => {
    const r = FriendImportResponseSchema.parse({
      ActionStatus: 'FAIL',
      ErrorCode: 60008,
      ErrorInfo: 'service timeout or request format error,please check and try again',
    });
    assert.equal(r.ErrorCode, 60008);
    assert.equal(r.ResultItem, undefined);
  });
});

describe('request structure', () => {
  it('rejects more than 1,000 items, no items, a missing From_Account and unknown fields', () => {
    const item = { To_Account: 'b', AddSource: 'AddSource_Type_Web' };
    assert.equal(
      FriendImportRequestSchema.safeParse({ From_Account: 'a', AddFriendItem: Array(1000).fill(item) })
        .success,
      true,
    );
    assert.equal(
      FriendImportRequestSchema.safeParse({ From_Account: 'a', AddFriendItem: Array(1001).fill(item) })
        .success,
      false,
    );
    assert.equal(
      FriendImportRequestSchema.safeParse({ From_Account: 'a', AddFriendItem: [] }).success,
      false,
    );
    assert.equal(FriendImportRequestSchema.safeParse({ AddFriendItem: [item] }).success, false);
    assert.equal(
      FriendImportRequestSchema.safeParse({ From_Account: 'a', AddFriendItem: [{ ...item, Extra: 1 }] })
        .success,
      false,
    );
    assert.equal(
      FriendImportRequestSchema.safeParse({ From_Account: 'a', AddFriendItem: [{ ...item, AddTime: '1' }] })
        .success,
      false,
    );
  });
});

describe('companion calls', () => {
  it('account_import and multiaccount_import, old and new bodies', () => {
    AccountImportRequestSchema.parse({ UserID: 'test', Nick: 'test', FaceUrl: 'http://www.qq.com' });
    MultiAccountImportRequestSchema.parse({ Accounts: ['UserID_001', 'UserID_002'] });
    MultiAccountImportRequestSchema.parse({
      AccountList: [{ UserID: 'UserID_001', Nick: 'Nick_001', FaceUrl: 'http://x' }],
    });
    const r = MultiAccountImportResponseSchema.parse({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      FailAccounts: ['UserID_002', 'UserID_003'],
    });
    assert.deepEqual(r.FailAccounts, ['UserID_002', 'UserID_003']);
  });

  it('account_check response', () => {
    const r = AccountCheckResponseSchema.parse({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      ResultItem: [
        { UserID: 'UserID_1', ResultCode: 0, ResultInfo: '', AccountStatus: 'Imported' },
        { UserID: 'UserID_2', ResultCode: 0, ResultInfo: '', AccountStatus: 'NotImported' },
      ],
    });
    assert.equal(r.ResultItem?.[1]?.AccountStatus, 'NotImported');
  });

  it('friend_get response sample', () => {
    const r = FriendGetResponseSchema.parse({
      UserDataItem: [
        {
          To_Account: 'id1',
          ValueItem: [
            { Tag: 'Tag_SNS_IM_AddSource', Value: 'AddSource_Type_Android' },
            { Tag: 'Tag_SNS_IM_Remark', Value: 'Remark1' },
            { Tag: 'Tag_SNS_IM_Group', Value: ['Group1', 'Group2'] },
            { Tag: 'Tag_SNS_IM_AddTime', Value: 1563867420 },
            { Tag: 'Tag_SNS_Custom_Test', Value: 'CustomData1' },
          ],
        },
      ],
      StandardSequence: 88,
      CustomSequence: 46,
      FriendNum: 20,
      CompleteFlag: 1,
      NextStartIndex: 0,
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      ErrorDisplay: '',
    });
    assert.equal(r.UserDataItem?.[0]?.ValueItem.length, 5);
  });

  it('friend_check request and response, friend_delete_all request', () => {
    FriendCheckRequestSchema.parse({
      From_Account: 'id',
      To_Account: ['id1', 'id2'],
      CheckType: 'CheckResult_Type_Both',
    });
    assert.equal(
      FriendCheckRequestSchema.safeParse({ From_Account: 'id', To_Account: ['id1'], CheckType: 'Both' })
        .success,
      false,
    );
    const r = FriendCheckResponseSchema.parse({
      InfoItem: [
        { To_Account: 'id1', Relation: 'CheckResult_Type_BothWay', ResultCode: 0, ResultInfo: '' },
        {
          To_Account: 'id5',
          Relation: 'CheckResult_Type_NoRelation',
          ResultCode: 30006,
          ResultInfo: 'Err_SNS_FriendCheck_Check_Relation_Exec_Task_Fail',
        },
      ],
      Fail_Account: ['id5'],
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      ErrorDisplay: '',
    });
    assert.deepEqual(r.Fail_Account, ['id5']);
    FriendDeleteAllRequestSchema.parse({ From_Account: 'id' });
    FriendDeleteAllRequestSchema.parse({ From_Account: 'id', DeleteType: 'Delete_Type_Both' });
  });
});
