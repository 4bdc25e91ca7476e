import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  clientConnectionOptions,
  describeTemporalSettings,
  loadTemporalSettings,
  nativeConnectionOptions,
  probeAddress,
  splitAddress,
  TEMPORAL_DEFAULTS,
} from '../../../connection/connect.js';
import { loadImSettings, SettingsError } from '../../../config/im.js';
import { loadLogLevel, loadWorkerSettings } from '../../../config/worker.js';

const API_KEY = 'tmprl-api-key-that-must-never-leak';

const dir = mkdtempSync(join(tmpdir(), 'connection-unit-'));
const garbage = join(dir, 'garbage.pem');
writeFileSync(garbage, 'this is not a certificate\n');
const keyFile = join(dir, 'client.key');
writeFileSync(
  keyFile,
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
);
const missing = join(dir, 'does-not-exist.pem');

/** The problems of a SettingsError, or a failed assertion when the settings were accepted. */
function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadTemporalSettings(env);
  } catch (err) {
    assert.ok(err instanceof SettingsError, `a SettingsError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

describe('loadTemporalSettings', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to a plaintext local server, and says which variables took defaults', () => {
    const s = loadTemporalSettings({ PATH: '/usr/bin', TEMPORAL_ADDRESS: '' });
    assert.deepEqual(s, {
      address: TEMPORAL_DEFAULTS.address,
      namespace: 'default',
      taskQueue: 'friend-import',
      defaulted: ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE'],
    });
    assert.equal(TEMPORAL_DEFAULTS.address, '127.0.0.1:7233');
    assert.deepEqual(clientConnectionOptions(s), { address: '127.0.0.1:7233' });
    assert.deepEqual(nativeConnectionOptions(s), { address: '127.0.0.1:7233' });
  });

  it('takes every plain variable as given', () => {
    const s = loadTemporalSettings({
      TEMPORAL_ADDRESS: ' temporal.internal:7233 ',
      TEMPORAL_NAMESPACE: 'imports',
      TEMPORAL_TASK_QUEUE: 'friend-import-1400000000',
    });
    assert.equal(s.address, 'temporal.internal:7233');
    assert.equal(s.namespace, 'imports');
    assert.equal(s.taskQueue, 'friend-import-1400000000');
    assert.deepEqual(s.defaulted, []);
    assert.equal(s.tls, undefined);
    for (const address of ['[::1]:7233', 'localhost', 'my-ns.a1b2c.tmprl.cloud:7233'])
      assert.equal(loadTemporalSettings({ TEMPORAL_ADDRESS: address }).address, address);
  });

  it('names the variable of each bad value, all at once', () => {
    const found = problems({
      TEMPORAL_ADDRESS: 'http://temporal:7233',
      TEMPORAL_NAMESPACE: 'two words',
      TEMPORAL_TASK_QUEUE: 'a queue',
      TEMPORAL_TLS: 'maybe',
      TEMPORAL_TLS_SERVER_NAME: 'not a host!',
    });
    assert.equal(found.length, 5, found.join('\n'));
    for (const name of [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'TEMPORAL_TLS must be true or false',
      'TEMPORAL_TLS_SERVER_NAME',
    ])
      assert.ok(
        found.some((p) => p.includes(name)),
        `${name} named in:\n${found.join('\n')}`,
      );
    assert.match(problems({ TEMPORAL_ADDRESS: 'host:99999' })[0] ?? '', /TEMPORAL_ADDRESS/);
    assert.match(problems({ TEMPORAL_ADDRESS: 'host:port' })[0] ?? '', /TEMPORAL_ADDRESS/);
  });

  it('accepts TEMPORAL_TLS as true/false/1/0/yes/no; true alone means TLS with system roots', () => {
    for (const v of ['true', 'TRUE', '1', 'yes'])
      assert.deepEqual(loadTemporalSettings({ TEMPORAL_TLS: v }).tls, {}, v);
    for (const v of ['false', '0', 'no'])
      assert.equal(loadTemporalSettings({ TEMPORAL_TLS: v }).tls, undefined);
    const s = loadTemporalSettings({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    assert.deepEqual(clientConnectionOptions(s).tls, { serverNameOverride: 'temporal.internal' });
    assert.deepEqual(nativeConnectionOptions(s).tls, { serverNameOverride: 'temporal.internal' });
  });

  it('API key implies TLS (Temporal Cloud), and goes to both connection kinds', () => {
    const s = loadTemporalSettings({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'imports.a1b2c',
      TEMPORAL_API_KEY: API_KEY,
    });
    assert.deepEqual(s.tls, {});
    assert.equal(s.apiKey, API_KEY);
    assert.deepEqual(clientConnectionOptions(s), {
      address: 'eu-west-1.aws.api.temporal.io:7233',
      tls: {},
      apiKey: API_KEY,
    });
    assert.deepEqual(nativeConnectionOptions(s), clientConnectionOptions(s));
  });

  it('rejects TEMPORAL_TLS=false beside settings that need TLS, naming them', () => {
    const [p] = problems({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_SERVER_NAME: 'x' });
    assert.match(p ?? '', /TEMPORAL_TLS=false contradicts TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY/);
    assert.ok(!(p ?? '').includes(API_KEY), 'the key itself is never in a message');
  });

  it('needs the client certificate and key together', () => {
    const certOnly = problems({ TEMPORAL_TLS_CERT: garbage });
    assert.ok(certOnly.includes('TEMPORAL_TLS_KEY is required with TEMPORAL_TLS_CERT (mTLS needs both)'));
    const keyOnly = problems({ TEMPORAL_TLS_KEY: keyFile });
    assert.deepEqual(keyOnly, ['TEMPORAL_TLS_CERT is required with TEMPORAL_TLS_KEY (mTLS needs both)']);
  });

  it('names the variable and the path of a missing or non-PEM file', () => {
    assert.deepEqual(problems({ TEMPORAL_TLS_CA: missing }), [
      `TEMPORAL_TLS_CA: cannot read ${missing} (ENOENT)`,
    ]);
    assert.deepEqual(problems({ TEMPORAL_TLS_CA: dir }), [`TEMPORAL_TLS_CA: cannot read ${dir} (EISDIR)`]);
    assert.deepEqual(problems({ TEMPORAL_TLS_CA: garbage }), [
      `TEMPORAL_TLS_CA: ${garbage} is not a PEM certificate`,
    ]);
    // A private key where the certificate belongs is caught too.
    assert.deepEqual(problems({ TEMPORAL_TLS_CERT: keyFile, TEMPORAL_TLS_KEY: garbage }), [
      `TEMPORAL_TLS_CERT: ${keyFile} is not a PEM certificate`,
      `TEMPORAL_TLS_KEY: ${garbage} is not an unencrypted PEM private key`,
    ]);
  });

  it('describes the settings without the API key', () => {
    const s = loadTemporalSettings({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_NAMESPACE: 'ns' });
    const described = describeTemporalSettings(s);
    assert.ok(!JSON.stringify(described).includes(API_KEY));
    assert.equal(described.apiKey, '[redacted]');
    assert.deepEqual(described.tls, {
      serverName: undefined,
      ca: 'system roots',
      clientCert: undefined,
      clientKey: undefined,
    });
    assert.equal(describeTemporalSettings(loadTemporalSettings({})).tls, false);
  });
});

describe('configuration errors', () => {
  it('are one line naming every problem, with the list kept on the error', () => {
    let err: unknown;
    try {
      loadImSettings({ IM_SDKAPPID: 'abc', IM_ADMIN_IDENTIFIER: 'admin', IM_REGION: 'singapore' });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof SettingsError, String(err));
    assert.equal(
      err.message,
      'invalid configuration: IM_SDKAPPID must be a whole number; IM_SECRET_KEY is required but not set',
    );
    assert.deepEqual(err.problems, [
      'IM_SDKAPPID must be a whole number',
      'IM_SECRET_KEY is required but not set',
    ]);
    assert.doesNotMatch(
      new SettingsError(problems({ TEMPORAL_NAMESPACE: 'a b', TEMPORAL_TLS: 'maybe' })).message,
      /\n/,
    );
  });

  it('take LOG_LEVEL from the list of levels, blank as unset, and refuse anything else', () => {
    assert.equal(loadWorkerSettings({}).LOG_LEVEL, 'info');
    assert.equal(loadWorkerSettings({ LOG_LEVEL: ' debug ' }).LOG_LEVEL, 'debug');
    assert.equal(loadLogLevel({ LOG_LEVEL: '  ' }, 'error'), 'error');
    assert.throws(
      () => loadLogLevel({ LOG_LEVEL: 'loud' }, 'warn'),
      (e: unknown) =>
        e instanceof SettingsError &&
        e.message ===
          'invalid configuration: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent',
    );
  });
});

describe('probeAddress', () => {
  it('splits host and port, IPv6 and the default port included', () => {
    assert.deepEqual(splitAddress('127.0.0.1:7233'), { host: '127.0.0.1', port: 7233 });
    assert.deepEqual(splitAddress('[::1]:7234'), { host: '::1', port: 7234 });
    assert.deepEqual(splitAddress('temporal.internal'), { host: 'temporal.internal', port: 7233 });
  });

  it('answers at once: undefined when something listens, else why not', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      assert.equal(await probeAddress(`127.0.0.1:${port}`, 2_500, {}), undefined);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // The same port, closed now.
    assert.equal(await probeAddress(`127.0.0.1:${port}`, 2_500, {}), 'connection refused');
    // Without a resolver at hand the lookup fails another way; it still fails.
    assert.match(
      (await probeAddress('no-such-host.invalid:7233', 2_500, {})) ?? '',
      /^(unknown host|the host name could not be resolved|no answer within 2\.5 s)$/,
    );
  });

  it('leaves the address to the client when gRPC goes through a proxy', async () => {
    assert.equal(await probeAddress('127.0.0.1:1', 2_500, { https_proxy: 'http://proxy:3128' }), undefined);
  });
});
