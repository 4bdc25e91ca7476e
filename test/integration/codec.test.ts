/**
 * Payload encryption end to end (secrets stay secret): a worker and a client both using the codec run a workflow
 * against a real dev server; the stored history holds only ciphertext, and the codec server (run
 * through the real CLI command) turns the history's payloads back into clear text.
 */
import { Client, type Connection, type Payload } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { dataConverterFromEnv, ENCRYPTED_ENCODING } from '../../connection/codec.js';
import { payloadsToJson } from '../../cli/stack/codecEndpoint.js';
import { connectClient, loadTemporalSettings, nativeConnectionOptions } from '../../connection/connect.js';
import { spawnGuarded, stopChild } from '../../cli/stack/childProcess.js';
import { startDevServer, type DevServer } from '../../cli/stack/devServer.js';
import type { echoWorkflow } from '../fixtures/workflows/echo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const workflowsPath = fileURLToPath(new URL('../fixtures/workflows/echo.ts', import.meta.url));
const MARKER = `friend-data-marker-${randomBytes(6).toString('hex')}`;
const UI_ORIGIN = 'http://127.0.0.1:8233';
const env = { FRIEND_IMPORT_CODEC_KEYS: `2024-q4:${randomBytes(32).toString('base64')}` };
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');

/** Every Payload in a history, except search attributes (the server indexes those, so no codec applies). */
function payloadsIn(node: unknown, found: Payload[] = []): Payload[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return found;
  if (Array.isArray(node)) {
    for (const item of node) payloadsIn(item, found);
    return found;
  }
  const record = node as Record<string, unknown>;
  if (record.data instanceof Uint8Array && typeof record.metadata === 'object') found.push(record);
  for (const [key, value] of Object.entries(record)) if (key !== 'searchAttributes') payloadsIn(value, found);
  return found;
}

/** Waits for the CLI's `ready {…}` line, bounded by the child's exit or `timeoutMs`. */
async function readyLine(child: ChildProcess, timeoutMs: number): Promise<{ url: string }> {
  assert.ok(child.stdout);
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<{ url: string }>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) resolve(JSON.parse(line.slice(6)) as { url: string });
    });
    child.once('exit', (code) => reject(new Error(`codec-server exited early with ${code}`)));
    setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms`)), timeoutMs).unref();
  });
  return ready.finally(() => lines.close());
}

describe('payload encryption with a real dev server', { timeout: 240_000 }, () => {
  let server: DevServer | undefined;
  let connection: Connection | undefined;
  let native: NativeConnection | undefined;
  let codecServer: ChildProcess | undefined;
  let workflowId = '';
  let historyPayloads: Payload[] = [];

  before(async () => {
    server = await startDevServer();
  });
  after(async () => {
    await connection?.close();
    await native?.close();
    if (codecServer) await stopChild(codecServer);
    await server?.stop();
  });

  it('runs a workflow with the codec on both sides, and the history holds only ciphertext', async (t) => {
    assert.ok(server);
    const settings = loadTemporalSettings({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TASK_QUEUE: 'codec-test',
    });
    const dataConverter = dataConverterFromEnv(env);
    assert.ok(dataConverter);
    const connected = await connectClient(settings, { dataConverter });
    connection = connected.connection;
    native = await NativeConnection.connect(nativeConnectionOptions(settings));
    const worker = await Worker.create({
      connection: native,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      workflowsPath,
      activities: { echo: (s: string) => Promise.resolve(`${s}!`) },
      dataConverter,
    });
    workflowId = `codec-${randomBytes(4).toString('hex')}`;
    const result = await worker.runUntil(
      connected.client.workflow.execute<typeof echoWorkflow>('echoWorkflow', {
        taskQueue: settings.taskQueue,
        workflowId,
        args: [MARKER],
        memo: { note: MARKER },
      }),
    );
    assert.equal(result, `${MARKER}!`, 'the workflow saw the clear text');

    const history = await connected.client.workflow.getHandle(workflowId).fetchHistory();
    const raw = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
    assert.ok(!raw.includes(MARKER), 'the marker appears nowhere in the raw history bytes');
    historyPayloads = payloadsIn(history);
    t.diagnostic(
      `history: ${history.events?.length} events, ${raw.length} bytes, ${historyPayloads.length} payloads`,
    );
    // workflow input, memo, activity input, activity result, workflow result
    assert.ok(historyPayloads.length >= 5, `found ${historyPayloads.length} payloads`);
    for (const p of historyPayloads) {
      assert.equal(text(p.metadata?.encoding), ENCRYPTED_ENCODING);
      assert.equal(text(p.metadata?.['encryption-key-id']), '2024-q4');
    }

    // Without the keys the result cannot be read: the default converter does not know the encoding.
    const plain = new Client({ connection: connected.connection, namespace: settings.namespace });
    await assert.rejects(plain.workflow.getHandle(workflowId).result(), /binary\/encrypted/);
  });

  it('the codec-server command decodes the history for the UI, with CORS', async () => {
    assert.ok(historyPayloads.length > 0, 'the previous test fetched the history');
    codecServer = spawnGuarded(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', 'codec-server', '--port', '0', '--origin', UI_ORIGIN],
      { cwd: root, env: { ...process.env, ...env } },
    );
    const { url } = await readyLine(codecServer, 60_000);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);

    // The UI's preflight from the browser.
    const preflight = await fetch(`${url}/default/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type, x-namespace/);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);

    // Only the last path segment matters: the UI may be configured with any prefix.
    const response = await fetch(`${url}/some/prefix/decode`, {
      method: 'POST',
      headers: { origin: UI_ORIGIN, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify(payloadsToJson(historyPayloads)),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), UI_ORIGIN);
    const body = (await response.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    assert.equal(body.payloads.length, historyPayloads.length);
    const values = body.payloads.map((p) =>
      defaultPayloadConverter.fromPayload({
        metadata: Object.fromEntries(
          Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        ),
        data: Buffer.from(p.data, 'base64'),
      }),
    );
    assert.ok(values.includes(MARKER), 'the workflow input and memo decode to the clear text');
    assert.ok(values.includes(`${MARKER}!`), 'the activity and workflow results decode too');
    for (const p of body.payloads)
      assert.equal(Buffer.from(p.metadata.encoding ?? '', 'base64').toString(), 'json/plain');

    const child = codecServer;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, 'stops cleanly on SIGTERM');
    codecServer = undefined;
  });
});
