/**
 * The production-like stack (scripts/prod-stack): the pinned Temporal server on a throw-away
 * PostgreSQL cluster with the settings docker-compose.yml uses. A worker runs a workflow on it,
 * a workflow waiting on a server-side timer completes after the server and then PostgreSQL were
 * restarted under it, and stopping the stack leaves no process and no temp folder behind.
 */
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { findPostgresBin } from '../../scripts/prod-stack/postgres.js';
import { DEPLOY_DIR } from '../../scripts/prod-stack/settings.js';
import { startProdStack, type ProdStack } from '../../scripts/prod-stack/stack.js';
import { JobIdKey, SEARCH_ATTRIBUTES } from '../../core/searchAttributes.js';
import type { echoWorkflow } from '../fixtures/workflows/echo.js';
import { quietRuntime } from '../../cli/stack/stack.js';
import { pidAlive } from '../../cli/stack/childProcess.js';

const run = promisify(execFile);
const workflowsPath = fileURLToPath(new URL('../fixtures/workflows/echo.ts', import.meta.url));
const TASK_QUEUE = 'prod-stack-test';
const INDEXED_VALUE_TYPE = proto.temporal.api.enums.v1.IndexedValueType;

/** Processes working in `dir` (PostgreSQL and its backends) or naming it (e.g. the janitor). */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // not ours to read, or gone
      }
      if (cwd.startsWith(dir) || cmdline.includes(dir)) found.push(`${pid} ${cmdline}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

async function psql(stack: ProdStack, db: string, sql: string): Promise<string> {
  const bin = await findPostgresBin();
  assert.ok(bin);
  const { stdout } = await run(
    join(bin, 'psql'),
    ['-h', stack.pg.host, '-p', String(stack.pg.port), '-U', stack.pg.user, '-d', db, '-tAc', sql],
    { timeout: 30_000 },
  );
  return stdout.trim();
}

describe('production-like stack: the pinned server on PostgreSQL', { timeout: 480_000 }, () => {
  let stack: ProdStack | undefined;
  let connection: Connection | undefined;
  let client: Client | undefined;
  let native: NativeConnection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  before(async () => {
    quietRuntime();
    stack = await startProdStack();
    connection = await Connection.connect({ address: stack.address });
    client = new Client({ connection, namespace: stack.namespace });
    native = await NativeConnection.connect({ address: stack.address });
    worker = await Worker.create({
      connection: native,
      namespace: stack.namespace,
      taskQueue: TASK_QUEUE,
      workflowsPath,
      activities: { echo: (s: string) => Promise.resolve(`${s}!`) },
    });
    running = worker.run();
  });

  after(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await native?.close();
    await connection?.close();
    await stack?.stop();
  });

  it('starts v1.29.1 on PostgreSQL with our namespace, search attributes and metrics', async (t) => {
    assert.ok(stack && connection);
    t.diagnostic(`healthy with namespace and search attributes ${stack.startupMs} ms after the start`);
    const info = await connection.workflowService.getSystemInfo({});
    assert.equal(info.serverVersion, '1.29.1');
    assert.equal(stack.serverVersion, '1.29.1');

    const listed = await connection.operatorService.listSearchAttributes({ namespace: stack.namespace });
    for (const key of SEARCH_ATTRIBUTES)
      assert.equal(
        listed.customAttributes[key.name],
        INDEXED_VALUE_TYPE[`INDEXED_VALUE_TYPE_${key.type}`],
        `${key.name} is a ${key.type}`,
      );
    const ns = await connection.workflowService.describeNamespace({ namespace: stack.namespace });
    assert.equal(Number(ns.config?.workflowExecutionRetentionTtl?.seconds), 30 * 24 * 3600, 'retention 720h');

    // The data is in PostgreSQL: the namespaces and the schema versions the schema tool wrote.
    const namespaces = await psql(stack, 'temporal', 'select count(*) from namespaces');
    assert.ok(Number(namespaces) >= 2, `namespaces in PostgreSQL: ${namespaces}`);
    assert.match(
      await psql(stack, 'temporal_visibility', 'select curr_version from schema_version'),
      /^1\.\d+$/,
    );

    // The server runs from the shared folder, with nothing overriding the shared dynamic config.
    const { server } = stack.pids();
    assert.ok(server);
    assert.equal(readlinkSync(`/proc/${server}/cwd`), DEPLOY_DIR);
    const env = readFileSync(`/proc/${server}/environ`, 'utf8').split('\0');
    assert.ok(!env.some((e) => e.startsWith('DYNAMIC_CONFIG_FILE_PATH=')), 'the shared dynamic config');

    const metrics = await fetch(stack.metricsUrl).then((r) => r.text());
    assert.match(metrics, /^service_requests\{/m, 'Prometheus metrics with the dev server’s names');
  });

  it('runs a workflow on a worker, findable by our search attributes', async () => {
    assert.ok(client);
    const jobId = `job-${randomBytes(4).toString('hex')}`;
    const handle = await client.workflow.start<typeof echoWorkflow>('echoWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `prod-echo-${jobId}`,
      args: ['hello'],
      typedSearchAttributes: [{ key: JobIdKey, value: jobId }],
    });
    assert.equal(await handle.result(), 'hello!');
    // Visibility is a second database: the record arrives shortly after the workflow closes.
    let found = 0;
    for (let i = 0; i < 40 && found === 0; i++) {
      found = (await client.workflow.count(`ImportJobId = "${jobId}" AND ExecutionStatus = "Completed"`))
        .count;
      if (found === 0) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(found, 1);
  });

  it('a workflow waiting on a timer completes after the server and PostgreSQL restart, gently and hard', async (t) => {
    assert.ok(stack && client);
    // The first workflow task waits on a server-side timer (the start delay), persisted in PostgreSQL.
    // Long enough for the four restarts on a busy machine; what is asserted is order, not time.
    const delayMs = 40_000;
    const startedAt = Date.now();
    const handle = await client.workflow.start<typeof echoWorkflow>('echoWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `prod-timer-${randomBytes(4).toString('hex')}`,
      args: ['after restarts'],
      startDelay: delayMs,
    });

    for (const hard of [false, true]) {
      const how = hard ? 'killed' : 'stopped';
      const server = await stack.restartServer({ hard });
      t.diagnostic(`server ${how} in ${server.stopMs} ms, healthy ${server.startMs} ms after its start`);
      const pg = await stack.restartPostgres({ hard });
      t.diagnostic(`PostgreSQL ${how} in ${pg.stopMs} ms, server answering ${pg.startMs} ms after its start`);
    }
    const restartsDoneMs = Date.now() - startedAt;
    t.diagnostic(`all restarts done ${restartsDoneMs} ms after the start; the timer is due at ${delayMs} ms`);

    const described = await handle.describe();
    // Still waiting on its timer after every restart: the timer was pending through all of them.
    assert.equal(described.status.name, 'RUNNING', 'the timer was still pending through every restart');
    assert.equal(await handle.result(), 'after restarts!');
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const completedAt = Number(events.at(-1)?.eventTime?.seconds) * 1000;
    t.diagnostic(`completed ${Date.now() - startedAt} ms after the start (${events.length} events)`);
    assert.ok(completedAt - startedAt >= delayMs - 1000, 'not before the timer was due');
  });

  it('stops the server and PostgreSQL and removes the temp folder', async (t) => {
    assert.ok(stack);
    worker?.shutdown();
    await running;
    const { server, postgres } = stack.pids();
    assert.ok(pidAlive(server) && pidAlive(postgres), 'both running before the stop');
    assert.ok(processesIn(stack.dir).length > 1, 'PostgreSQL works in the temp folder');
    const t0 = Date.now();
    await stack.stop();
    t.diagnostic(`stopped in ${Date.now() - t0} ms`);
    assert.equal(pidAlive(server), false, 'server gone');
    assert.equal(pidAlive(postgres), false, 'postmaster gone');
    assert.deepEqual(processesIn(stack.dir), [], 'no process left in or naming the temp folder');
    assert.equal(existsSync(stack.dir), false, 'temp folder removed');
    assert.deepEqual(stack.pids(), { server: undefined, postgres: undefined });
  });
});
