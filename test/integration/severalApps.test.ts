/**
 * Several IM apps, one fleet (docs/configuration.md, "Several IM apps"): two emulators, each its
 * own app with its own SDKAppID, admin, secret and rate; two workers that each serve both — one in
 * this process from a settings list, one `friend-import worker` process from an IM_APPS_FILE — and
 * a bulk job and user imports into each app at once. Each app keeps its own rate and its one writer
 * per user, ends exact, gets nothing of the other's, and has a coordinator of its own.
 */
import { NativeConnection } from '@temporalio/worker';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFriendImporter, type FriendImporter } from '../../client/index.js';
import { parseImApps } from '../../config/imApps.js';
import { coordinatorWorkflowId } from '../../core/definitions.js';
import type { AddFriendItem } from '../../im/schemas.js';
import { quietRuntime, startStack, type Stack } from '../../cli/stack/stack.js';
import { createImportWorkers, type ImportWorkers } from '../../workers/worker.js';
import { friendItems } from '../support/data.js';
import { openEmulatorState, diffFriends, type StateDiff } from '../support/emulatorState.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';
import { runCli } from './cliHelpers.js';

interface App {
  name: 'a' | 'b';
  sdkAppId: number;
  adminIdentifier: string;
  secretKey: string;
  rate: number;
  /** The bulk job's users, and the users imported one by one through the library. */
  jobUsers: UserInput[];
  serviceUsers: UserInput[];
  emulator?: RemoteEmulator;
  db: string;
}

/** Users `${prefix}0 …` with 1–23 friends each (several calls of 10 items for most). */
function users(prefix: string, n: number): UserInput[] {
  return Array.from({ length: n }, (_, i) => ({
    from: `${prefix}${i}`,
    items: friendItems(1 + ((i * 7) % 23), `${prefix}${i}-f`),
  }));
}

const everyone = (app: App): UserInput[] => [...app.jobUsers, ...app.serviceUsers];
const accountsOf = (app: App): string[] =>
  everyone(app).flatMap((u) => [u.from, ...u.items.map((i) => i.To_Account)]);
const itemsOf = (list: UserInput[]): number => list.reduce((n, u) => n + u.items.length, 0);

describe('several IM apps, one worker fleet', { timeout: 300_000 }, () => {
  let dir: string;
  let stack: Omit<Stack, 'emulator'>;
  let inProcess: { workers: ImportWorkers; done: Promise<void>; connection: NativeConnection } | undefined;
  const apps: App[] = [];
  let child: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'several-apps-'));
    for (const [name, sdkAppId, rate] of [
      ['a', 1400000101, 40],
      ['b', 1400000202, 60],
    ] as const)
      apps.push({
        name,
        sdkAppId,
        adminIdentifier: `admin_${name}`,
        secretKey: `secret-of-app-${name}-${sdkAppId}`,
        rate,
        jobUsers: users(`${name}j`, 150),
        serviceUsers: users(`${name}s`, 20),
        db: join(dir, `${name}.sqlite`),
      });
    // Each emulator knows only its own app's accounts and accepts only its own app's secret: a call
    // made with the other app's settings fails instead of writing.
    for (const app of apps)
      app.emulator = await spawnEmulator({
        app,
        accounts: accountsOf(app),
        rateLimit: app.rate,
        writeLatencyMs: 5,
        db: app.db,
      });
    const settings = apps.map((app) => ({
      sdkAppId: app.sdkAppId,
      baseUrl: app.emulator!.baseUrl,
      adminIdentifier: app.adminIdentifier,
      secretKey: app.secretKey,
      rateLimit: app.rate,
      batchSize: 10,
    }));
    const [first] = parseImApps(settings);
    stack = await startStack({ emulator: false, worker: false, im: first!, fileRoots: [dir] });

    // One worker here, from the settings list the apps file holds…
    quietRuntime();
    const connection = await NativeConnection.connect({ address: stack.devServer.address });
    const workers = await createImportWorkers({
      connection,
      namespace: stack.devServer.namespace,
      taskQueue: stack.taskQueue,
      apps: parseImApps(settings),
      client: stack.client,
      fileRoots: [dir],
    });
    inProcess = { workers, done: workers.run(), connection };
    // …and one `friend-import worker` process reading the file, with no single-app variable set.
    const appsFile = join(dir, 'apps.json');
    await writeFile(appsFile, JSON.stringify(settings));
    child = await stack.spawnWorker({
      LOG_LEVEL: 'info',
      IM_APPS_FILE: appsFile,
      IM_SDKAPPID: '',
      IM_ADMIN_IDENTIFIER: '',
      IM_SECRET_KEY: '',
      IM_BASE_URL: '',
      IM_RATE_LIMIT: '',
      IM_BATCH_SIZE: '',
    });
  });

  after(async () => {
    if (inProcess) {
      inProcess.workers.shutdown();
      await inProcess.done;
      await inProcess.connection.close();
    }
    await stack?.stop();
    for (const app of apps) await app.emulator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports into both apps at once, each at its own rate, exact, nothing in the wrong app', async () => {
    const importer = (app: App): FriendImporter =>
      createFriendImporter({
        client: stack.client,
        taskQueue: stack.taskQueue,
        sdkAppId: app.sdkAppId,
        batchSize: 10,
      });
    const run = async (app: App) => {
      const file = join(dir, `${app.name}.jsonl`);
      await writeJsonl(file, app.jobUsers);
      const lib = importer(app);
      const job = await lib.startJob({
        path: file,
        report: join(dir, `${app.name}-report.jsonl`),
        concurrency: 20,
        pageLines: 60,
      });
      const service = app.serviceUsers.map(async (u) => {
        const handle = await lib.importFriends(u.from, u.items, { submissionId: `${app.name}-${u.from}` });
        return handle.outcome();
      });
      return { summary: await job.result(), outcomes: await Promise.all(service) };
    };
    const results = await Promise.all(apps.map(run));

    const stats = await Promise.all(apps.map((app) => app.emulator!.stats()));
    apps.forEach((app, i) => {
      const { summary, outcomes } = results[i]!;
      assert.equal(summary.state, 'completed', `app ${app.name}'s job`);
      assert.deepEqual(
        [summary.items, summary.imported, summary.failed],
        [itemsOf(app.jobUsers), itemsOf(app.jobUsers), 0],
        `app ${app.name}'s job`,
      );
      assert.deepEqual(
        outcomes.map((o) => [o.imported, o.failed]),
        app.serviceUsers.map((u) => [u.items.length, 0]),
        `app ${app.name}'s user imports`,
      );
      const em = stats[i]!.friendImport;
      assert.ok(
        em.maxCallsInAnyWindow <= app.rate,
        `app ${app.name}: ${em.maxCallsInAnyWindow} calls in one second, its rate is ${app.rate}`,
      );
      assert.equal(
        em.overlaps,
        0,
        `app ${app.name}: calls for one user overlapped (${em.overlapAccounts.join(', ')})`,
      );
      assert.equal(em.rateLimited, 0, `app ${app.name}: calls refused for the rate`);
      // Every call of the app's items went to its own emulator, with its own secret.
      assert.equal(em.itemsImported, itemsOf(everyone(app)), `app ${app.name}: items imported`);
      assert.equal(em.itemsFailed, 0, `app ${app.name}: items failed`);
    });
    // Both apps were busy at once: each one's calls took more than a second at its rate.
    for (const [i, app] of apps.entries())
      assert.ok(
        stats[i]!.friendImport.calls > app.rate,
        `app ${app.name} made ${stats[i]!.friendImport.calls} calls`,
      );

    // Each app has its own coordinator: its own rate shares and one-writer leases.
    for (const app of apps) {
      const d = await stack.client.workflow.getHandle(coordinatorWorkflowId(app.sdkAppId)).describe();
      assert.equal(d.type, 'AppCoordinatorWorkflow');
    }
    const coordinators = new Set<string>();
    for await (const w of stack.client.workflow.list({ query: `WorkflowType = 'AppCoordinatorWorkflow'` }))
      coordinators.add(w.workflowId);
    assert.deepEqual([...coordinators].sort(), apps.map((a) => coordinatorWorkflowId(a.sdkAppId)).sort());

    // The worker's log lists the apps it serves, and none of their secrets.
    const started = stack.outputOf(child!);
    for (const app of apps) {
      assert.ok(started.includes(`"sdkAppId":${app.sdkAppId}`), `app ${app.name} in the log`);
      assert.ok(!started.includes(app.secretKey), `app ${app.name}'s secret in the log`);
    }
    assert.match(started, /"apps":\[/);

    // The exact state, read from each emulator's file once it has stopped.
    for (const app of apps) {
      await app.emulator!.stop();
      app.emulator = undefined;
      const state = await openEmulatorState(app.db, app);
      try {
        const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
        for (const u of everyone(app)) diffFriends(u.from, state.friendsOf(u.from), u.items, diff);
        assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] }, `app ${app.name}'s state`);
        const other = apps.find((a) => a !== app)!;
        const foreign = everyone(other).filter((u) => state.friendsOf(u.from).length > 0);
        assert.deepEqual(
          foreign.map((u) => u.from),
          [],
          `app ${other.name}'s users in app ${app.name}`,
        );
      } finally {
        await state.close();
      }
    }
  });

  it('fails a job for an app no worker serves, naming the app and IM_APPS_FILE', async () => {
    const file = join(dir, 'stray.jsonl');
    const items: AddFriendItem[] = friendItems(2, 'stray-f');
    await writeJsonl(file, [{ from: 'stray', items }]);
    const stray = createFriendImporter({
      client: stack.client,
      taskQueue: stack.taskQueue,
      sdkAppId: 1400000999,
    });
    const job = await stray.startJob({
      jobId: 'stray-app-job',
      path: file,
      report: join(dir, 'stray-report.jsonl'),
    });
    await assert.rejects(job.result(), (err: Error) => {
      const text = `${err.message} ${(err.cause as Error | undefined)?.message ?? ''} ${
        ((err.cause as Error | undefined)?.cause as Error | undefined)?.message ?? ''
      }`;
      assert.match(text, /IM app 1400000999, which this worker does not serve .*IM_APPS_FILE/);
      return true;
    });
  });

  it('names the app with --app over IM_SDKAPPID in the CLI', async () => {
    const file = join(dir, 'cli.jsonl');
    await writeJsonl(file, [{ from: 'cli-user', items: friendItems(2, 'cli-f') }]);
    const env = { ...stack.env, IM_SDKAPPID: String(apps[0]!.sdkAppId) };
    const [imported, status] = await Promise.all([
      runCli(
        [
          'import',
          file,
          '--app',
          '1400000999',
          '--job-id',
          'cli-app-job',
          '--report',
          join(dir, 'cli-report.jsonl'),
        ],
        { env },
      ),
      runCli(['status', 'stray-app-job', '--app', String(apps[1]!.sdkAppId)], { env }),
    ]);
    // The job went to the app --app named, not IM_SDKAPPID's: no worker serves it, and it says so.
    assert.equal(imported.code, 1, imported.stderr);
    assert.match(
      `${imported.stdout}${imported.stderr}`,
      /IM app 1400000999, which this worker does not serve/,
    );
    assert.equal(status.code, 2, status.stderr);
    assert.match(status.stderr, /job "stray-app-job" is for IM app 1400000999, not 1400000202/);
  });
});
