import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  buildUrl,
  ImClient,
  ImHttpError,
  ImNetworkError,
  ImProtocolError,
  ImTimeoutError,
  redactText,
  redactUrl,
  regionBaseUrl,
  verifyUserSig,
} from '../../../im/index.js';

const KEY = 'secret-key-that-must-never-leak-0123456789';

describe('URL building', () => {
  it('uses the regional domain or an explicit base URL, with every query parameter', () => {
    const url = buildUrl({
      baseUrl: regionBaseUrl('singapore'),
      path: 'v4/sns/friend_import',
      sdkAppId: 1400000000,
      identifier: 'admin',
      userSig: 'sig',
    });
    assert.equal(url.origin, 'https://adminapisgp.im.qcloud.com');
    assert.equal(url.pathname, '/v4/sns/friend_import');
    assert.equal(url.searchParams.get('sdkappid'), '1400000000');
    assert.equal(url.searchParams.get('identifier'), 'admin');
    assert.equal(url.searchParams.get('usersig'), 'sig');
    assert.equal(url.searchParams.get('contenttype'), 'json');
    assert.equal(regionBaseUrl('china'), 'https://console.tim.qq.com/');
    const local = buildUrl({
      baseUrl: 'http://127.0.0.1:5080/im',
      path: '/v4/sns/friend_get',
      sdkAppId: 1,
      identifier: 'a',
      userSig: 's',
    });
    assert.equal(local.toString().split('?')[0], 'http://127.0.0.1:5080/im/v4/sns/friend_get');
  });

  it('draws a fresh uint32 random per call', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = buildUrl({
        baseUrl: 'http://h/',
        path: 'p',
        sdkAppId: 1,
        identifier: 'a',
        userSig: 's',
      }).searchParams.get('random')!;
      assert.match(r, /^\d+$/);
      assert.ok(Number(r) >= 0 && Number(r) <= 4294967295);
      seen.add(r);
    }
    assert.ok(seen.size > 190, `only ${seen.size} distinct values in 200`);
  });

  it('redacts the usersig from URLs and from free text', () => {
    const url = buildUrl({
      baseUrl: 'http://h/',
      path: 'p',
      sdkAppId: 1,
      identifier: 'a',
      userSig: 'eJx*SECRET-_',
    });
    const safe = redactUrl(url);
    assert.ok(!safe.includes('SECRET'), safe);
    assert.match(safe, /usersig=\[redacted\]/);
    assert.equal(redactText(`fetch failed for ${url.toString()} (x)`).includes('SECRET'), false);
    // Encoded in a URL inside another URL, and in JSON (a gateway echoing the request).
    const nested = `next=${encodeURIComponent(url.toString())}`;
    assert.ok(!redactText(nested).includes('SECRET'), redactText(nested));
    assert.match(redactText(nested), /usersig%3D\[redacted\]%26random/);
    assert.equal(redactText('{"usersig": "eJx*SECRET-_", "x": 1}'), '{"usersig": "[redacted]", "x": 1}');
  });

  it('puts only a short, plain, redacted line of an error page into the message', () => {
    const page = `<html><head><title>502 Bad Gateway</title></head><body>\n<h1>Bad Gateway</h1>\n<p>upstream failed for /v4/sns/friend_import?usersig=eJx*SECRET-_&amp;x=1 and usersig%3DeJxSECRET2</p>${'<p>more</p>'.repeat(500)}</body></html>`;
    const err = new ImHttpError(502, 'http://h/v4/sns/friend_import?usersig=[redacted]', page);
    assert.ok(!err.message.includes('SECRET'), err.message);
    assert.ok(!/[<>]/.test(err.message), err.message);
    assert.match(err.message, /^HTTP 502 from \S+: 502 Bad Gateway Bad Gateway upstream failed/);
    assert.ok(err.message.length < 200, `${err.message.length} characters`);
  });
});

describe('ImClient over HTTP', () => {
  let server: Server;
  let baseUrl: string;
  let seen: { url: URL; body: string; headers: IncomingMessage['headers']; port?: number }[] = [];
  let respond: (res: ServerResponse) => void = () => {};

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          url: new URL(req.url!, 'http://x'),
          body,
          headers: req.headers,
          port: req.socket.remotePort,
        });
        respond(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const client = (timeoutMs = 10_000) =>
    new ImClient({
      baseUrl,
      sdkAppId: 1400000000,
      adminIdentifier: 'administrator',
      secretKey: KEY,
      timeoutMs,
    });
  const json = (body: unknown) => (res: ServerResponse) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };

  it('POSTs JSON with a valid admin UserSig and parses the answer', async () => {
    seen = [];
    respond = json({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      ErrorDisplay: '',
      ResultItem: [{ To_Account: 'b', ResultCode: 0, ResultInfo: '' }],
    });
    const res = await client().friendImport({
      From_Account: 'a',
      AddFriendItem: [{ To_Account: 'b', AddSource: 'AddSource_Type_Web' }],
    });
    assert.equal(res.ResultItem?.[0]?.To_Account, 'b');
    const req = seen[0]!;
    assert.equal(req.url.pathname, '/v4/sns/friend_import');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal((JSON.parse(req.body) as { From_Account: string }).From_Account, 'a');
    const sig = req.url.searchParams.get('usersig')!;
    assert.equal(verifyUserSig(KEY, sig, { sdkAppId: 1400000000, identifier: 'administrator' }).ok, true);
  });

  it('reuses the cached UserSig, and renews it on request', async () => {
    seen = [];
    respond = json({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    const c = client();
    await c.call('friendDeleteAll', { From_Account: 'a' });
    await c.call('friendDeleteAll', { From_Account: 'a' });
    c.renewUserSig();
    await new Promise((r) => setTimeout(r, 1100)); // a new second gives a new TLS.time
    await c.call('friendDeleteAll', { From_Account: 'a' });
    const sigs = seen.map((s) => s.url.searchParams.get('usersig'));
    assert.equal(sigs[0], sigs[1]);
    assert.notEqual(sigs[1], sigs[2]);
  });

  it('turns a 502 into ImHttpError with a redacted URL', async () => {
    respond = (res) => {
      res.statusCode = 502;
      res.end('bad gateway');
    };
    const err = await client()
      .call('friendDeleteAll', { From_Account: 'a' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImHttpError);
    assert.equal(err.status, 502);
    assert.equal(err.code, -1502);
    assertNoSecrets(err);
  });

  it('turns a non-JSON or off-schema 200 into ImProtocolError', async () => {
    respond = (res) => res.end('<html>');
    assert.ok(
      (await client()
        .call('friendDeleteAll', { From_Account: 'a' })
        .catch((e: unknown) => e)) instanceof ImProtocolError,
    );
    respond = json({ hello: 1 });
    const err = await client()
      .call('friendDeleteAll', { From_Account: 'a' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImProtocolError);
    assertNoSecrets(err);
  });

  it('stops reading an answer past its bound: a 200 past 16 MiB fails, an error page is cut', async () => {
    respond = (res) => {
      res.setHeader('content-type', 'application/json');
      res.write('{"ResultItem":[');
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      // 17 MiB of blanks, written as the socket takes them (the client closes it at 16).
      let left = 17;
      const more = (): void => {
        while (left > 0 && res.write(chunk)) left--;
        if (left > 0) res.once('drain', () => (left--, more()));
        else res.end(']}');
      };
      res.on('error', () => undefined);
      more();
    };
    const big = await client()
      .call('friendDeleteAll', { From_Account: 'a' })
      .catch((e: unknown) => e);
    assert.ok(big instanceof ImProtocolError, String(big));
    assert.match((big as Error).message, /longer than 16777216 bytes/);
    respond = (res) => {
      res.statusCode = 500;
      res.end(`<html><body>${'x'.repeat(1024 * 1024)}</body></html>`);
    };
    const page = await client()
      .call('friendDeleteAll', { From_Account: 'a' })
      .catch((e: unknown) => e);
    assert.ok(page instanceof ImHttpError, String(page));
    assert.match((page as Error).message, /: x{119}…$/, 'the page as one line of 120 characters');
  });

  it('times out after timeoutMs and says so', async () => {
    respond = () => {}; // never answers
    const started = Date.now();
    const err = await client(3500)
      .call('friendDeleteAll', { From_Account: 'a' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImTimeoutError, String(err));
    assert.ok(Date.now() - started >= 3400);
    assertNoSecrets(err);
  });

  it('refuses a client timeout at or under the service timeout', () => {
    assert.throws(() => client(3000), /at least/);
  });

  it('reports a refused connection as ImNetworkError', async () => {
    const c = new ImClient({
      baseUrl: 'http://127.0.0.1:1/',
      sdkAppId: 1,
      adminIdentifier: 'a',
      secretKey: KEY,
    });
    await assertNetworkError(c);
    assert.ok(!JSON.stringify(c).includes(KEY));
  });

  it('keeps the connection alive across calls and decodes UTF-8 split across chunks', async () => {
    seen = [];
    const body = Buffer.from(
      JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '好友已存在 — ✓' }),
    );
    const cut = body.indexOf(Buffer.from('已')) + 1; // inside a 3-byte character
    respond = (res) => {
      res.setHeader('content-type', 'application/json');
      res.write(body.subarray(0, cut));
      setTimeout(() => res.end(body.subarray(cut)), 20);
    };
    const c = client();
    const first = await c.call('friendDeleteAll', { From_Account: 'a' });
    const second = await c.call('friendDeleteAll', { From_Account: 'a' });
    assert.equal(first.ErrorInfo, '好友已存在 — ✓');
    assert.equal(second.ErrorInfo, '好友已存在 — ✓');
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.port, seen[1]!.port, 'the second call reused the first connection');
  });

  it('reports a connection dropped mid-answer as ImNetworkError', async () => {
    respond = (res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', '1000');
      res.write('{"ActionStatus":"OK"');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const err = await client()
      .call('friendDeleteAll', { From_Account: 'a' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ImNetworkError, String(err));
    assertNoSecrets(err);
  });

  it('speaks TLS to an https base URL (here a plain-HTTP server, so the handshake fails)', async () => {
    const c = new ImClient({
      baseUrl: baseUrl.replace('http:', 'https:'),
      sdkAppId: 1,
      adminIdentifier: 'a',
      secretKey: KEY,
    });
    await assertNetworkError(c);
  });

  it('passes the caller’s abort through unchanged', async () => {
    respond = () => {};
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('cancelled by test')), 50);
    const err = await client()
      .call('friendDeleteAll', { From_Account: 'a' }, { signal: ac.signal })
      .catch((e: unknown) => e);
    assert.equal((err as Error).message, 'cancelled by test');
  });
});

/** A call by `c` fails as a network error that carries no secret. */
async function assertNetworkError(c: ImClient): Promise<void> {
  const err = await c.call('friendDeleteAll', { From_Account: 'a' }).catch((e: unknown) => e);
  assert.ok(err instanceof ImNetworkError, String(err));
  assertNoSecrets(err);
}

function assertNoSecrets(err: unknown): void {
  const text = `${String(err)} ${(err as Error).stack} ${JSON.stringify(err)}`;
  assert.ok(!text.includes(KEY), 'secret key leaked');
  // A UserSig is zlib in base64 (it starts with eJ) and long: none may appear, in any form.
  assert.ok(!/eJ[\w*-]{40,}/.test(text), `a UserSig leaked: ${text}`);
  assert.match(String((err as Error).message), /usersig=\[redacted\]/);
}
