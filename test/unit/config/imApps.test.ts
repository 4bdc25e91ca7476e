/** IM_APPS_FILE (config/imApps.ts): several apps' settings, every problem named, no secret in a message. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SettingsError } from '../../../config/env.js';
import { loadImApps, parseImApps } from '../../../config/imApps.js';

const SECRET_A = 'sEcReT-a-0123456789';
const SECRET_B = 'sEcReT-b-9876543210';

const appA = {
  sdkAppId: 1400000001,
  baseUrl: 'http://127.0.0.1:9/',
  adminIdentifier: 'admin',
  secretKey: SECRET_A,
  rateLimit: 40,
};
const appB = {
  sdkAppId: 1400000002,
  region: 'singapore',
  adminIdentifier: 'administrator',
  secretKey: SECRET_B,
  batchSize: 100,
  timeoutMs: 5_000,
};

/** The problems of a refused list, each checked to carry no secret. */
function problems(json: unknown): string[] {
  try {
    parseImApps(json);
  } catch (err) {
    assert.ok(err instanceof SettingsError);
    for (const secret of [SECRET_A, SECRET_B]) assert.ok(!err.message.includes(secret), err.message);
    return err.problems;
  }
  assert.fail('the list was accepted');
}

describe('IM_APPS_FILE', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'im-apps-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives each app its settings, the defaults filled in as for the variables', () => {
    const [a, b] = parseImApps([appA, appB]);
    assert.deepEqual(a, {
      sdkAppId: 1400000001,
      baseUrl: 'http://127.0.0.1:9/',
      adminIdentifier: 'admin',
      secretKey: SECRET_A,
      rateLimit: 40,
      checkRateLimit: 200,
      getRateLimit: 200,
      updateRateLimit: 200,
      deleteRateLimit: 200,
      accountCheckRateLimit: 100,
      accountImportRateLimit: 100,
      batchSize: 1000,
      timeoutMs: 10_000,
    });
    assert.equal(b?.baseUrl, 'https://adminapisgp.im.qcloud.com/');
    assert.deepEqual([b?.rateLimit, b?.batchSize, b?.timeoutMs], [200, 100, 5_000]);
  });

  it('names the entry and the field of every problem at once', () => {
    assert.deepEqual(
      problems([
        appA,
        { ...appB, secretKey: '', rateLimit: 0, batchSize: 1001 },
        { sdkAppId: '1400000003', baseUrl: 'ftp://x', region: 'mars', adminIdentifier: 'a' },
        'app',
      ]),
      [
        'IM_APPS_FILE[1].secretKey: must not be empty',
        'IM_APPS_FILE[1].rateLimit: must be above 0',
        'IM_APPS_FILE[1].batchSize: must be 1–1000',
        'IM_APPS_FILE[2].sdkAppId: must be a whole number',
        'IM_APPS_FILE[2].baseUrl: must be an http(s) URL, e.g. https://adminapisgp.im.qcloud.com',
        'IM_APPS_FILE[2].region: must be one of: china, singapore, seoul, tokyo, frankfurt, siliconvalley, jakarta, mumbai',
        'IM_APPS_FILE[2].secretKey is required but not set',
        'IM_APPS_FILE[3]: must be an object',
      ],
    );
    assert.deepEqual(problems([{ ...appA, region: 'seoul' }]), [
      'IM_APPS_FILE[0].baseUrl: set either baseUrl or region, not both',
    ]);
    assert.deepEqual(problems([{ ...appB, region: undefined }]), [
      'IM_APPS_FILE[0].baseUrl: baseUrl or region is required (regions: china, singapore, seoul, tokyo, frankfurt, siliconvalley, jakarta, mumbai)',
    ]);
  });

  it('refuses a misspelt field rather than leaving the setting at its default', () => {
    const [problem] = problems([{ ...appA, ratelimit: 10 }]);
    assert.match(problem ?? '', /^IM_APPS_FILE\[0\] has unknown field\(s\) ratelimit /);
  });

  it('refuses an SDKAppID listed twice, and a list that is not one', () => {
    assert.deepEqual(problems([appA, appB, { ...appB, secretKey: SECRET_A }]), [
      'IM_APPS_FILE[2].sdkAppId: 1400000002 is already IM_APPS_FILE[1]; each app is listed once',
    ]);
    assert.deepEqual(problems([]), ['IM_APPS_FILE must list at least one app']);
    assert.deepEqual(problems({ apps: [appA] }), [
      'IM_APPS_FILE must hold a JSON array of apps ([{"sdkAppId": …}, …])',
    ]);
  });

  it('never shows a secret, even one given where another field goes', () => {
    const shown = problems([
      { ...appA, adminIdentifier: SECRET_A.repeat(3) },
      { ...appB, region: SECRET_B },
    ]);
    assert.equal(shown.length, 2);
  });

  it('reads the file the variable names, and the variables alone without it', async () => {
    const file = join(dir, 'apps.json');
    await writeFile(file, JSON.stringify([appA, appB]));
    const apps = loadImApps({ IM_APPS_FILE: file, IM_SDKAPPID: '  ' });
    assert.deepEqual(
      apps.map((a) => a.sdkAppId),
      [1400000001, 1400000002],
    );
    const single = loadImApps({
      IM_SDKAPPID: '1400000009',
      IM_ADMIN_IDENTIFIER: 'admin',
      IM_SECRET_KEY: SECRET_A,
      IM_BASE_URL: 'http://127.0.0.1:9/',
    });
    assert.deepEqual(
      single.map((a) => [a.sdkAppId, a.rateLimit]),
      [[1400000009, 200]],
    );
  });

  it('refuses the file beside the single-app variables, with a sentence', () => {
    assert.throws(
      () => loadImApps({ IM_APPS_FILE: '/nowhere.json', IM_SDKAPPID: '1400000001', IM_SECRET_KEY: SECRET_A }),
      (err: Error) => {
        assert.ok(err instanceof SettingsError);
        assert.match(err.message, /IM_SDKAPPID, IM_SECRET_KEY must not be set beside it/);
        assert.ok(!err.message.includes(SECRET_A));
        return true;
      },
    );
  });

  it('says a missing or broken file without quoting it', async () => {
    assert.throws(
      () => loadImApps({ IM_APPS_FILE: join(dir, 'none.json') }),
      /IM_APPS_FILE .*none\.json does not exist/,
    );
    const broken = join(dir, 'broken.json');
    await writeFile(broken, `[{"sdkAppId": 1, "secretKey": "${SECRET_A}" oops}]`);
    assert.throws(
      () => loadImApps({ IM_APPS_FILE: broken }),
      (err: Error) => {
        assert.match(err.message, /broken\.json is not valid JSON/);
        assert.ok(!err.message.includes(SECRET_A), err.message);
        assert.ok(!err.message.includes('oops'), err.message);
        return true;
      },
    );
  });
});
