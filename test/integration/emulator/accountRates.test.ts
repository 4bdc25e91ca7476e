/** account_check and multiaccount_import: at most 100 accounts per call and 100 calls per second each. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { warmBurst } from './rateBurst.js';
import { ids, start, type Harness } from './support.js';

const CHECK = 'v4/im_open_login_svc/account_check';
const IMPORT = 'v4/im_open_login_svc/multiaccount_import';

describe('emulator: account_check and multiaccount_import limits', () => {
  let h: Harness;
  before(async () => {
    h = await start();
  });
  after(() => h.emulator.close());

  it('101 accounts in one call → 70206; 100 go through', async () => {
    const check = await h.client.call('accountCheck', {
      CheckItem: ids('u', 101).map((UserID) => ({ UserID })),
    });
    assert.equal(check.ErrorCode, 70206);
    const imported = await h.client.call('multiAccountImport', { Accounts: ids('u', 101) });
    assert.equal(imported.ErrorCode, 70206);
    assert.equal(
      (await h.client.callOk('multiAccountImport', { Accounts: ids('u', 100) })).FailAccounts?.length,
      0,
    );
    const ok = await h.client.callOk('accountCheck', {
      CheckItem: ids('u', 100).map((UserID) => ({ UserID })),
    });
    assert.ok(ok.ResultItem?.every((r) => r.AccountStatus === 'Imported'));
  });

  it('each API admits 100 calls in a sliding second and answers 60007 beyond, on its own count', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const answers = await warmBurst(
      130,
      (i) =>
        i % 2 === 0
          ? h.client.call('accountCheck', { CheckItem: [{ UserID: `c${i}` }] })
          : h.client.call('multiAccountImport', { Accounts: [`m${i}`] }),
      () => h.emulator.resetStats(),
    );
    // 65 of each: both fit under their own 100/s although together they exceed it.
    assert.deepEqual(
      answers.map((a) => a.ErrorCode).filter((c) => c !== 0),
      [],
    );
    const checks = await warmBurst(
      130,
      (i) => h.client.call('accountCheck', { CheckItem: [{ UserID: `c${i}` }] }),
      () => h.emulator.resetStats(),
    );
    const limited = checks.filter((a) => a.ErrorCode === 60007);
    assert.ok(limited.length >= 1, 'some calls are refused');
    assert.ok(checks.length - limited.length >= 100, 'the first 100 are admitted');
    assert.equal('ErrorDisplay' in (limited[0] ?? {}), false, 'an account API answer has no ErrorDisplay');
    assert.match(limited[0]?.ErrorInfo ?? '', /at most 100 account_check/);
    const stats = h.emulator.stats();
    assert.ok((stats.maxInAnyWindowByRoute[CHECK] ?? 0) > 100);
    assert.equal(stats.byRoute[CHECK]?.['60007'], limited.length);

    await new Promise((r) => setTimeout(r, 1100));
    const imports = await warmBurst(
      130,
      (i) => h.client.call('multiAccountImport', { Accounts: [`m${i}`] }),
      () => h.emulator.resetStats(),
    );
    const refused = imports.filter((a) => a.ErrorCode === 60007).length;
    assert.ok(refused >= 1 && imports.length - refused >= 100, `refused ${refused}`);
    assert.ok((h.emulator.stats().maxInAnyWindowByRoute[IMPORT] ?? 0) > 100);
  });
});
