/**
 * Connection settings against a real dev server (plaintext), and TLS/mTLS settings built from a
 * CA and client certificate made with openssl here. The dev server has no TLS, so the TLS case is
 * proved by the options carrying the PEM bytes and by a TLS connection attempt being refused.
 */
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  clientConnectionOptions,
  connectClient,
  describeTemporalSettings,
  loadTemporalSettings,
  nativeConnectionOptions,
} from '../../connection/connect.js';
import { SettingsError } from '../../config/im.js';
import { startDevServer, type DevServer } from '../../cli/stack/devServer.js';

const SERVING = proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;

/** A throwaway CA, a client certificate it signed, an unrelated key, and a passphrase-protected key. */
function makePki(dir: string): Record<'ca' | 'cert' | 'key' | 'otherKey' | 'lockedKey', string> {
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
  );
  ssl('req', ...ec, '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', '/CN=friend-import-worker');
  ssl(
    'x509',
    '-req',
    '-in',
    f('client.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('client.pem'),
    '-days',
    '1',
  );
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f('other.key'));
  ssl(
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-aes256',
    '-pass',
    'pass:secret',
    '-out',
    f('locked.key'),
  );
  return {
    ca: f('ca.pem'),
    cert: f('client.pem'),
    key: f('client.key'),
    otherKey: f('other.key'),
    lockedKey: f('locked.key'),
  };
}

describe('Temporal connection settings', { timeout: 180_000 }, () => {
  let server: DevServer | undefined;
  let dir = '';
  let pki: ReturnType<typeof makePki>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'connection-'));
    pki = makePki(dir);
    server = await startDevServer();
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects a client and a native connection to a real dev server with the plain settings', async () => {
    assert.ok(server);
    const settings = loadTemporalSettings({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
    });
    const { client, connection } = await connectClient(settings);
    try {
      assert.equal(client.options.namespace, 'default');
      assert.equal((await connection.healthService.check({})).status, SERVING);
      const ns = await client.workflowService.describeNamespace({ namespace: settings.namespace });
      assert.equal(ns.namespaceInfo?.name, 'default');
    } finally {
      await connection.close();
    }
    const native = await NativeConnection.connect(nativeConnectionOptions(settings));
    await native.close();
  });

  it('builds mTLS options that carry the PEM bytes of the CA, certificate and key', () => {
    const settings = loadTemporalSettings({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CA: pki.ca,
      TEMPORAL_TLS_CERT: pki.cert,
      TEMPORAL_TLS_KEY: pki.key,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal.internal',
    });
    const expected = {
      serverNameOverride: 'frontend.temporal.internal',
      serverRootCACertificate: readFileSync(pki.ca),
      clientCertPair: { crt: readFileSync(pki.cert), key: readFileSync(pki.key) },
    };
    assert.deepEqual(clientConnectionOptions(settings), { address: 'temporal.internal:7233', tls: expected });
    assert.deepEqual(nativeConnectionOptions(settings), { address: 'temporal.internal:7233', tls: expected });
    const described = JSON.stringify(describeTemporalSettings(settings));
    assert.ok(described.includes(pki.key), 'the key path is shown');
    assert.ok(!described.includes('PRIVATE KEY'), 'the key itself is not');
  });

  it('refuses a key that does not belong to the certificate, and a passphrase-protected key', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadTemporalSettings(env);
      } catch (err) {
        assert.ok(err instanceof SettingsError);
        return err.problems;
      }
      return [];
    };
    assert.deepEqual(problems({ TEMPORAL_TLS_CERT: pki.cert, TEMPORAL_TLS_KEY: pki.otherKey }), [
      `TEMPORAL_TLS_KEY (${pki.otherKey}) is not the private key of TEMPORAL_TLS_CERT (${pki.cert})`,
    ]);
    assert.deepEqual(problems({ TEMPORAL_TLS_CERT: pki.cert, TEMPORAL_TLS_KEY: pki.lockedKey }), [
      `TEMPORAL_TLS_KEY: ${pki.lockedKey} is not an unencrypted PEM private key`,
    ]);
    assert.deepEqual(problems({ TEMPORAL_TLS_CA: pki.key }), [
      `TEMPORAL_TLS_CA: ${pki.key} is not a PEM certificate`,
    ]);
  });

  it('really uses TLS when configured: the plaintext dev server cannot be reached that way', async () => {
    assert.ok(server);
    const settings = loadTemporalSettings({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TLS_CA: pki.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    // The same address answers plaintext (first test); over TLS the handshake never completes.
    await assert.rejects(
      Connection.connect({ ...clientConnectionOptions(settings), connectTimeout: '3s' }),
      /Failed to connect before the deadline/,
    );
    // rustls reads the server's plaintext HTTP/2 frame as a TLS record of an invalid content type.
    await assert.rejects(NativeConnection.connect(nativeConnectionOptions(settings)), /InvalidContentType/);
  });
});
