/** Which app's activities serve an input (activities/appRouting.ts): by its SDKAppID, with a sentence when none can. */
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP_NOT_SERVED, APP_NOT_SERVED_CALL, appPicker } from '../../../activities/appRouting.js';
import { parseFailureType } from '../../../im/errorCodes.js';

const refusal = (fn: () => unknown): ApplicationFailure => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.nonRetryable, true);
    return err;
  }
  assert.fail('served');
};

describe('app routing', () => {
  const two = new Map([
    [1400000001, 'a'],
    [1400000002, 'b'],
  ]);

  it('picks the app the input names', () => {
    const pick = appPicker(two, APP_NOT_SERVED);
    assert.equal(pick(1400000002, 'page 1'), 'b');
    assert.equal(pick(1400000001, 'page 1'), 'a');
  });

  it('refuses an app it does not serve, naming it and IM_APPS_FILE', () => {
    const err = refusal(() => appPicker(two, APP_NOT_SERVED)(1400000009, 'page 3 of job j'));
    assert.equal(err.type, APP_NOT_SERVED);
    assert.match(
      err.message,
      /^page 3 of job j is for IM app 1400000009, which this worker does not serve \(it serves 1400000001, 1400000002\).*IM_APPS_FILE/,
    );
  });

  it('serves an input naming no app only where that app is certain', () => {
    assert.equal(appPicker(new Map([[1400000001, 'a']]), APP_NOT_SERVED)(undefined, 'page 1'), 'a');
    // A calls queue's worker knows its queue's app.
    assert.equal(appPicker(two, APP_NOT_SERVED, 1400000002)(undefined, 'a call'), 'b');
    const err = refusal(() => appPicker(two, APP_NOT_SERVED)(undefined, 'page 2 of job j'));
    assert.match(err.message, /names no IM app .* this worker serves several \(1400000001, 1400000002\)/);
  });

  it("stops a user import's run like a configuration error", () => {
    assert.equal(parseFailureType(APP_NOT_SERVED_CALL)?.class, 'config');
  });
});
