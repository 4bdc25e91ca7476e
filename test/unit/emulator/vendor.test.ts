import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { friendImportResponseJson, violationInfo } from '../../../emulator/vendor.js';

describe('friend_import answer JSON', () => {
  it('equals JSON.stringify of the same fields, in the vendor order, for any account text', () => {
    const results = [
      { To_Account: 'id1', ResultCode: 0, ResultInfo: '' },
      {
        To_Account: 'quote"back\\slash',
        ResultCode: 30001,
        ResultInfo: 'Err_SNS_FriendImport_Param_Invalid',
      },
      {
        To_Account: '\u4e2d\n\u0001',
        ResultCode: 30002,
        ResultInfo: 'Err_SNS_FriendImport_SdkAppId_Illegal',
      },
    ];
    const text = friendImportResponseJson(results, ['quote"back\\slash'], ['\u4e2d\n\u0001']);
    assert.equal(
      text,
      JSON.stringify({
        ResultItem: results,
        Fail_Account: ['quote"back\\slash'],
        Invalid_Account: ['\u4e2d\n\u0001'],
        ActionStatus: 'OK',
        ErrorCode: 0,
        ErrorInfo: '',
        ErrorDisplay: '',
      }),
    );
    assert.equal(
      friendImportResponseJson([], [], []),
      '{"ResultItem":[],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}',
    );
  });

  it('names a field violation after its field', () => {
    assert.equal(
      violationInfo({ path: 'AddFriendItem[3].Remark', reason: 'x' }),
      'Err_SNS_FriendImport_Remark_Too_Long',
    );
    assert.equal(
      violationInfo({ path: 'GroupName[0]', reason: 'x' }),
      'Err_SNS_FriendImport_Group_Name_Invalid',
    );
    assert.equal(
      violationInfo({ path: 'To_Account', reason: 'equals From_Account: a user cannot be their own friend' }),
      'Err_SNS_FriendImport_Add_Self',
    );
    assert.equal(violationInfo(undefined), 'Err_SNS_FriendImport_Param_Invalid');
  });
});
