/**
 * The embedded stack from the CLI: `friend-import demo` imports the bundled sample, verifies it
 * and exits 0; `friend-import dev` prints its addresses and one `ready {…}` line, serves imports,
 * refuses a busy port in one sentence, and stops everything on Ctrl-C.
 */
import { Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO_DIR } from '../../cli/commands/support/demoData.js';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { jsonOut, runCli, spawnCli, waitFor } from './cliHelpers.js';

/** `dev` on free ports with the demo's accounts. */
const DEV_ARGS = [
  'dev',
  '--temporal-port',
  '0',
  '--ui-port',
  '0',
  '--emulator-port',
  '0',
  '--accounts',
  join(DEMO_DIR, 'accounts.txt'),
];

describe('embedded stack commands', { timeout: 600_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-demo-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('demo imports the sample dataset as expected and exits 0', async () => {
    const r = await runCli(['demo', '--report-dir', join(dir, 'reports')], { cwd: dir, timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Temporal UI {2}http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /Demo: every job ended as .*demo\.json expects/);
    assert.equal(r.stdout.match(/completed after/g)?.length, 2);
    assert.match(r.stdout, new RegExp(`${join(dir, 'reports')}/demo-jsonl-[0-9a-f]+/report\\.csv`));
    assert.match(r.stderr, /job demo-jsonl-\w+: \d+% · /, 'progress lines on stderr');
    // Each import is verified against the emulator: every expected pair there, the bad rows absent.
    assert.equal(
      r.stdout.match(
        /^Verdict: every expected pair is present \([\d,]+\) with the fields the file gives them, and the \d+ pairs of the intentionally bad rows are absent\.$/gm,
      )?.length,
      2,
    );
    assert.match(
      r.stdout,
      /Verify demo-csv-\w+-verify completed in .*\n {2}read {8}189 lines · 40 users · 187 pairs checked/,
    );
  });

  it('dev stops in order on a Ctrl-C to its whole process group, and a second Ctrl-C ends it at once', async () => {
    const args = DEV_ARGS;
    type Ready = { temporalAddress: string; imBaseUrl: string };
    const start = async () => {
      // As a terminal runs it: the whole foreground process group gets the Ctrl-C.
      const dev = spawnCli(args, {
        cwd: dir,
        env: { IM_BASE_URL: undefined, IM_REGION: undefined },
        detached: true,
      });
      const line = await waitFor(
        'the ready line',
        () => /^ready (\{.*\})$/m.exec(dev.stdout())?.[1],
        120_000,
      );
      return { dev, ready: JSON.parse(line) as Ready };
    };
    const ctrlC = (dev: { child: { pid?: number } }) => process.kill(-(dev.child.pid ?? 0), 'SIGINT');
    const gone = (address: string) =>
      assert.rejects(
        Connection.connect({ address, connectTimeout: '2s' }),
        `the dev server on ${address} is gone`,
      );
    /** A job whose calls the emulator holds 4 s each, with one of them in flight. */
    const slowJob = async (ready: Ready) => {
      const faults = await fetch(new URL('__emulator/faults', ready.imBaseUrl), {
        method: 'PUT',
        body: JSON.stringify({ rules: [{ kind: 'slow', delayMs: 4_000 }] }),
      });
      assert.equal(faults.status, 200);
      const env = { TEMPORAL_ADDRESS: ready.temporalAddress };
      const job = await runCli(['import', join(DEMO_DIR, 'friends.csv'), '--detach', '--json'], {
        cwd: dir,
        env,
      });
      assert.equal(job.code, 0, job.stderr);
      const stats = new URL('__emulator/stats', ready.imBaseUrl);
      await waitFor(
        'a call in flight',
        async () =>
          ((await (await fetch(stats)).json()) as { friendImport: { inFlight: number } }).friendImport
            .inFlight > 0,
        60_000,
      );
    };

    const first = await start();
    try {
      // The worker drains the job's call in flight against a server still up, then the server stops.
      await slowJob(first.ready);
      ctrlC(first.dev);
      const done = await first.dev.exited;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stderr, /friend-import dev: stopping…\n(.*\n)*friend-import dev: stopped\./);
      assert.doesNotMatch(
        done.stderr,
        /UNAVAILABLE|ECONNREFUSED|Channel has been shut down/,
        'nothing met a stopped server',
      );
      await gone(first.ready.temporalAddress);
    } finally {
      first.dev.child.kill('SIGKILL');
    }

    const second = await start();
    try {
      await slowJob(second.ready);
      ctrlC(second.dev);
      // A second Ctrl-C while the first one drains the call in flight; sent a moment later so that
      // the system delivers two signals, not one.
      await new Promise((r) => setTimeout(r, 300));
      ctrlC(second.dev);
      const done = await second.dev.exited;
      assert.equal(done.code, 130, done.stderr);
      assert.match(done.stderr, /stopping everything now/);
      await gone(second.ready.temporalAddress);
    } finally {
      second.dev.child.kill('SIGKILL');
    }
  });

  it('dev runs the stack until Ctrl-C: ready line, imports, clean stop', async () => {
    const dev = spawnCli(DEV_ARGS, { cwd: dir, env: { IM_BASE_URL: undefined, IM_REGION: undefined } });
    try {
      const line = await waitFor(
        'the ready line',
        () => /^ready (\{.*\})$/m.exec(dev.stdout())?.[1],
        120_000,
      );
      assert.equal(dev.stdout().split('\n').filter(Boolean).length, 1, 'exactly one line on stdout');
      const ready = JSON.parse(line) as {
        temporalAddress: string;
        uiUrl: string;
        imBaseUrl: string;
        sdkAppId: number;
      };
      assert.match(dev.stderr(), /Temporal UI {2}http:\/\/127\.0\.0\.1:\d+/);
      assert.equal((await fetch(ready.uiUrl)).status, 200);
      assert.equal(
        ((await (await fetch(new URL('__emulator/health', ready.imBaseUrl))).json()) as { ok: boolean }).ok,
        true,
      );

      const env = { TEMPORAL_ADDRESS: ready.temporalAddress, IM_SDKAPPID: String(ready.sdkAppId) };
      const r = await runCli(['import', join(DEMO_DIR, 'friends.csv'), '--json'], { cwd: dir, env });
      // No sensitive words in dev: the sample's 30005 row is imported here.
      assert.equal(r.code, 3, r.stderr);
      const summary = jsonOut<JobSummaryJson>(r);
      assert.deepEqual([summary.failedByCode, summary.superseded], [{ 30003: 1, rejected: 4 }, 1]);

      dev.child.kill('SIGINT');
      const done = await dev.exited;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stderr, /friend-import dev: stopped\./);
      const connection = Connection.connect({ address: ready.temporalAddress, connectTimeout: '2s' });
      await assert.rejects(connection, 'the dev server is gone');
    } finally {
      dev.child.kill('SIGKILL');
    }
  });

  it('dev refuses a busy port in one sentence (exit 2)', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(
        ['dev', '--temporal-port', String(port), '--ui-port', '0', '--emulator-port', '0'],
        {
          cwd: dir,
        },
      );
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        `friend-import: port ${port} is in use (another friend-import dev or Temporal server?): pass --temporal-port N (0 = any free port)\n`,
      );
    } finally {
      busy.close();
    }
  });
});
