/**
 * The codec server's HTTP contract over real HTTP on 127.0.0.1: the protocol, CORS for the
 * Temporal UI, and a 4xx for every kind of bad request.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AesGcmCodec } from '../../connection/codec.js';
import { runCli } from './cliHelpers.js';
import {
  payloadsFromJson,
  payloadsToJson,
  startCodecServer,
  type CodecServer,
} from '../../cli/stack/codecEndpoint.js';

const codec = new AesGcmCodec([{ id: 'k1', key: randomBytes(32) }]);
const UI = 'https://temporal-ui.example.com';
const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const clear = payloadsToJson([defaultPayloadConverter.toPayload({ Remark: 'hello' })]);

describe('codec server', () => {
  let server: CodecServer;
  let open: CodecServer;
  before(async () => {
    server = await startCodecServer({ codec, origins: [UI], maxBodyBytes: 4096 });
    open = await startCodecServer({ codec, origins: ['*'] });
  });
  after(async () => {
    await server.close();
    await open.close();
  });

  it('encodes and decodes under any path prefix', async () => {
    const encoded = await fetch(`${server.url}/api/codec/encode`, json(clear));
    assert.equal(encoded.status, 200);
    assert.equal(encoded.headers.get('content-type'), 'application/json');
    const body = (await encoded.json()) as typeof clear;
    assert.equal(
      Buffer.from(body.payloads[0]?.metadata.encoding ?? '', 'base64').toString(),
      'binary/encrypted',
    );
    const decoded = await fetch(`${server.url}/decode/`, json(body));
    assert.equal(decoded.status, 200);
    const payloads = payloadsFromJson(await decoded.json());
    assert.deepEqual(defaultPayloadConverter.fromPayload(payloads[0] ?? {}), { Remark: 'hello' });
  });

  it('answers the UI preflight for an allowed origin and refuses others', async () => {
    const preflight = (origin: string, url = server.url) =>
      fetch(`${url}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const ok = await preflight(UI);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), UI);
    assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(ok.headers.get('access-control-allow-headers'), 'content-type, x-namespace, authorization');
    assert.match(ok.headers.get('vary') ?? '', /Origin/);
    assert.equal((await preflight('http://evil.example')).status, 403);
    // A denied origin cannot use the codec either (a browser would send the request before CORS blocks reading).
    const denied = await fetch(`${server.url}/decode`, {
      ...json(clear),
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(denied.status, 403);
    // `*` reflects any origin (credentials need an exact origin, never a literal *).
    const any = await preflight('http://anything.example', open.url);
    assert.equal(any.status, 204);
    assert.equal(any.headers.get('access-control-allow-origin'), 'http://anything.example');
  });

  it('answers 4xx with a JSON error for bad requests', async () => {
    const cases: [string, RequestInit, number, RegExp][] = [
      ['/decode', json('{not json'), 400, /not JSON/],
      ['/decode', json({ payloads: 'x' }), 400, /payloads/],
      ['/decode', json({ payloads: [{ data: '***' }] }), 400, /payloads\.0\.data: not base64/],
      ['/encode', json({ payloads: [{ data: 'A'.repeat(8000) }] }), 413, /over 4096 bytes/],
      ['/decrypt', json(clear), 404, /encode or/],
      ['/decode', { method: 'GET' }, 405, /use POST/],
    ];
    for (const [path, init, status, message] of cases) {
      const r = await fetch(`${server.url}${path}`, init);
      assert.equal(r.status, status, `${init.method} ${path}`);
      const { error } = (await r.json()) as { error: string };
      assert.match(error, message);
    }
    // A payload under a key this server does not know: the client's mistake, said clearly.
    const other = new AesGcmCodec([{ id: 'elsewhere', key: randomBytes(32) }]);
    const foreign = payloadsToJson(await other.encode([defaultPayloadConverter.toPayload('x')]));
    const r = await fetch(`${server.url}/decode`, json(foreign));
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: string }).error, /key "elsewhere", which is not in/);
  });

  it('passes clear payloads through decode untouched', async () => {
    const r = await fetch(`${server.url}/decode`, json(clear));
    assert.deepEqual(await r.json(), clear);
  });

  it('the command refuses a port in use in one sentence (exit 2)', async () => {
    const port = Number(new URL(server.url).port);
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    const r = await runCli(['codec-server', '--port', String(port)], {
      env: { FRIEND_IMPORT_CODEC_KEYS: keys },
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `friend-import: port ${port} on 127.0.0.1 is in use: pass --port N (0 = any free port)`,
    );
  });
});
