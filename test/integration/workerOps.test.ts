/** The worker process's operations surface: Prometheus metrics, liveness/readiness, SIGTERM drain. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { importFriends } from '../../client/userImports.js';
import { freePort } from '../../cli/stack/ports.js';
import { friendItem, friendItems, submitted } from '../support/data.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  const all = text.split('\n').filter((l) => l.startsWith(name) && l.includes(labels));
  const chosen = labels ? all[0] : line;
  return chosen ? Number(chosen.trim().split(/\s+/).pop()) : NaN;
}

describe('worker operations', { timeout: 240_000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ worker: false, emulator: { recordCalls: true } });
  });
  after(async () => stack?.stop());

  it('exposes Temporal and import metrics that match a known run, and health endpoints', async () => {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const worker = await stack.spawnWorker({
      WORKER_METRICS_PORT: String(metricsPort),
      WORKER_HEALTH_PORT: String(healthPort),
    });
    const health = `http://127.0.0.1:${healthPort}`;
    assert.equal((await fetch(`${health}/healthz`)).status, 200);
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await fetch(`${health}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ready, 200);

    const items = friendItems(1500, 'm1-');
    stack.emulator.seedAccounts(['m1', ...items.map((i) => i.To_Account)]);
    const a = await importFriends(stack.target, 'm1', submitted([...items, friendItem('ghost')]), {
      submissionId: 'm1',
    });
    const b = await importFriends(stack.target, 'nobody-here', submitted([friendItem('x')]), {
      submissionId: 'm2',
    });
    await Promise.all([a.result(), b.result()]);

    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(text, /temporal_worker_task_slots_available/, "Temporal's runtime metrics are there");
    assert.equal(metric(text, 'friend_import_calls', 'code="0"'), 2);
    assert.equal(metric(text, 'friend_import_calls', 'code="30003"'), 1);
    assert.equal(metric(text, 'friend_import_items_imported'), 1500);
    assert.equal(metric(text, 'friend_import_items_failed'), 1);
    assert.equal(metric(text, 'im_usersig_renewals'), 1);
    assert.ok(!text.includes(stack.im.secretKey) && !/usersig=/i.test(text), 'no secrets in metrics');

    worker.kill('SIGTERM');
    const [code] = (await once(worker, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('SIGTERM lets the call in flight finish before the worker exits', async () => {
    const worker = await stack.spawnWorker();
    const items = friendItems(10, 'd-');
    stack.emulator.seedAccounts(['drain', ...items.map((i) => i.To_Account)]);
    stack.emulator.setFaults({ rules: [{ kind: 'slow', delayMs: 3000, fromAccounts: ['drain'] }] });
    try {
      // A user import this small is made in the workflow task that accepts it: importFriends
      // answers once the call is answered, so it is not awaited before the SIGTERM.
      const submitting = importFriends(stack.target, 'drain', submitted(items), { submissionId: 'drain' });
      // The service counts a call in flight from its arrival until its answer (3 s here).
      for (let i = 0; i < 500 && stack.emulator.stats().friendImport.inFlight === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(
        stack.emulator.stats().friendImport.inFlight,
        1,
        'the call is in flight when the worker is told to stop',
      );
      worker.kill('SIGTERM');
      const [code] = (await once(worker, 'exit')) as [number | null];
      assert.equal(code, 0, stack.outputOf(worker).slice(-2_000));
      const calls = stack.emulator.calls().filter((c) => c.fromAccount === 'drain');
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.httpStatus, 200, 'the answer was delivered to the draining worker');
      const next = await stack.spawnWorker();
      const handle = await submitting;
      assert.deepEqual([(await handle.outcome()).imported, (await handle.outcome()).failed], [10, 0]);
      const result = await handle.result();
      assert.equal(result.imported, 10);
      assert.equal(
        stack.emulator.calls().filter((c) => c.fromAccount === 'drain').length,
        1,
        'not sent again',
      );
      // The next test reads one worker's output: no other worker may take its calls.
      next.kill('SIGTERM');
      await once(next, 'exit');
    } finally {
      stack.emulator.setFaults(undefined);
    }
  });

  it('keeps the secret key and UserSigs out of logs and workflow history, even when calls fail', async () => {
    const worker = await stack.spawnWorker({ LOG_LEVEL: 'debug' });
    const items = friendItems(5, 's-');
    stack.emulator.seedAccounts(['secretive', ...items.map((i) => i.To_Account)]);
    stack.emulator.setFaults({
      rules: [
        { kind: 'http', status: 502, nth: [1] },
        { kind: 'failFirst', attempts: 1, code: 30006, fromAccounts: ['secretive'] },
      ],
    });
    try {
      const handle = await importFriends(stack.target, 'secretive', submitted(items), {
        submissionId: 'secretive',
      });
      assert.equal((await handle.result()).imported, 5);
      const history = JSON.stringify(await stack.client.workflow.getHandle(handle.workflowId).fetchHistory());
      assert.match(history, /HTTP 502/, 'the failed attempts are in the history');
      const output = stack.outputOf(worker);
      // The output read below is that of the worker that made the calls (the only one running).
      assert.match(
        output,
        /"msg":"friend_import call"[^\n]*"fromAccount":"secretive"|"fromAccount":"secretive"[^\n]*"msg":"friend_import call"/,
      );
      for (const [where, text] of [
        ['history', history],
        ['worker output', output],
      ] as const) {
        assert.ok(!text.includes(stack.im.secretKey), `secret key in ${where}`);
        assert.ok(!/usersig=(?!\[redacted\])/i.test(text), `UserSig in ${where}`);
        assert.ok(!/eJ[A-Za-z0-9*_-]{60,}/.test(text), `something UserSig-shaped in ${where}`);
      }
    } finally {
      stack.emulator.setFaults(undefined);
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
  });
});
