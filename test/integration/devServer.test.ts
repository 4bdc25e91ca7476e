import { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SEARCH_ATTRIBUTES } from '../../core/searchAttributes.js';
import { ensureSearchAttributes, startDevServer, type DevServer } from '../../cli/stack/devServer.js';
import { PINNED_CLI_VERSION, findTemporalCli } from '../../cli/stack/temporalCli.js';
import { pidAlive } from '../../cli/stack/childProcess.js';

describe('Temporal dev server from the pinned CLI', { timeout: 240_000 }, () => {
  const servers: DevServer[] = [];
  let dir = '';
  after(async () => {
    for (const s of servers) await s.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('uses the pinned CLI', async () => {
    const cli = await findTemporalCli();
    assert.ok(cli, 'scripts/temporal-cli.ts runs before the tests and provides the CLI');
    assert.match(cli.version, /Server 1\.29\.1/, `${PINNED_CLI_VERSION} embeds server 1.29.1`);
  });

  it('starts healthy with our search attributes, stops, and restarts on the same SQLite file', async (t) => {
    dir = await mkdtemp(join(tmpdir(), 'devserver-'));
    const dbFile = join(dir, 'nested', 'temporal.sqlite');
    const first = await startDevServer({ dbFile });
    servers.push(first);
    t.diagnostic(`first start (new SQLite file): healthy after ${first.startupMs} ms`);

    const connection = await Connection.connect({ address: first.address });
    const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of SEARCH_ATTRIBUTES)
      assert.ok(key.name in listed.customAttributes, `${key.name} registered`);
    assert.deepEqual(await ensureSearchAttributes(connection, 'default'), [], 'nothing left to add');

    // A workflow with no worker stays RUNNING: it must survive the restart.
    const client = new Client({ connection });
    const handle = await client.workflow.start('SurvivesRestart', {
      taskQueue: 'no-worker-here',
      workflowId: 'survives-restart',
      args: [],
    });
    await connection.close();

    await first.stop();
    assert.equal(pidAlive(first.pid), false, 'server process is gone');
    await assert.rejects(Connection.connect({ address: first.address, connectTimeout: '1s' }));

    const second = await startDevServer({ dbFile, port: Number(first.address.split(':')[1]) });
    servers.push(second);
    t.diagnostic(`restart on the existing SQLite file: healthy after ${second.startupMs} ms`);
    const connection2 = await Connection.connect({ address: second.address });
    const client2 = new Client({ connection: connection2 });
    const described = await client2.workflow.getHandle('survives-restart').describe();
    assert.equal(described.runId, handle.firstExecutionRunId);
    assert.equal(described.status.name, 'RUNNING');
    await client2.workflow.getHandle('survives-restart').terminate('test done');
    await connection2.close();
  });

  it('starts in memory with the UI', async (t) => {
    const s = await startDevServer({ ui: true });
    servers.push(s);
    t.diagnostic(`in-memory start with UI: healthy after ${s.startupMs} ms`);
    assert.ok(s.uiUrl);
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = await fetch(s.uiUrl).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 200);
    const metrics = await fetch(s.metricsUrl).then((r) => r.text());
    assert.match(metrics, /# TYPE/);
  });
});
