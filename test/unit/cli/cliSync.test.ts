/**
 * `friend-import sync`'s command line (docs/cli.md, `sync`): its flags, and the usage it refuses
 * with exit 2 before any file is read or any server reached.
 */
import { Command } from 'commander';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError, EXIT } from '../../../cli/commands/errors.js';
import { registerCommands } from '../../../cli/commands/index.js';
import { syncUsageProblem } from '../../../cli/commands/sync.js';
import { formatSyncSummary, syncEstimate, syncSummary } from '../../../cli/commands/support/syncView.js';
import { emptyPairCounts, type SyncProgress } from '../../../core/syncTypes.js';

const program = (): Command => {
  const p = new Command('friend-import');
  p.exitOverride();
  registerCommands(p);
  return p;
};

/** Runs `friend-import sync …args` and returns the CliError it is refused with. */
async function refused(...args: string[]): Promise<CliError> {
  try {
    await program().parseAsync(['sync', ...args], { from: 'user' });
  } catch (err) {
    assert.ok(err instanceof CliError, String(err));
    return err;
  }
  assert.fail(`sync ${args.join(' ')} was not refused`);
}

describe('friend-import sync: flags', () => {
  it('has every flag of the brief', () => {
    const sync = program().commands.find((c) => c.name() === 'sync');
    const flags = sync?.options.map((o) => o.long).sort();
    assert.deepEqual(
      flags,
      [
        '--app',
        '--concurrency',
        '--delete',
        '--detach',
        '--dry-run',
        '--format',
        '--job-id',
        '--json',
        '--notify',
        '--page-lines',
        '--report',
        '--since',
        '--since-format',
        '--update-batch',
      ].sort(),
    );
    assert.deepEqual(
      sync?.registeredArguments.map((a) => [a.name(), a.required]),
      [['new', true]],
    );
    let help = '';
    sync?.configureOutput({ writeOut: (s) => (help += s) }).outputHelp();
    assert.match(help, /3 finished with failed items/);
  });
});

describe('friend-import sync: usage refused with exit 2', () => {
  it('--dry-run without --since: the service form is planned by the job', async () => {
    const err = await refused('new.csv', '--dry-run');
    assert.equal(err.exitCode, EXIT.usage);
    assert.match(err.message, /--dry-run needs --since OLD/);
    assert.match(err.message, /friend-import status JOB/);
  });

  it('--since-format without --since', async () => {
    const err = await refused('new.csv', '--since-format', 'csv');
    assert.equal(err.exitCode, EXIT.usage);
    assert.match(err.message, /--since-format needs --since/);
  });

  it('--dry-run with a flag that only a job takes', async () => {
    for (const extra of [['--detach'], ['--job-id', 'j1'], ['--notify', 'http://127.0.0.1:9/x']]) {
      const err = await refused('new.csv', '--since', 'old.csv', '--dry-run', ...extra);
      assert.equal(err.exitCode, EXIT.usage, extra.join(' '));
      assert.match(err.message, /--dry-run starts no job/);
    }
  });

  it('a format other than jsonl or csv', async () => {
    assert.match(
      (await refused('new.csv', '--format', 'xml')).message,
      /--format must be jsonl or csv, got "xml"/,
    );
    assert.match(
      (await refused('new.csv', '--since', 'old', '--since-format', 'tsv')).message,
      /--since-format must be jsonl or csv/,
    );
  });

  it('numbers out of range', async () => {
    for (const [flag, value, words] of [
      ['--update-batch', '0', /--update-batch must be a whole number 1–1000, got "0"/],
      ['--update-batch', '1001', /--update-batch must be a whole number 1–1000/],
      ['--page-lines', 'x', /--page-lines must be a whole number/],
      ['--concurrency', '0', /concurrency/],
      ['--app', '0', /--app must be a whole number/],
    ] as const) {
      const err = await refused('new.csv', flag, value);
      assert.equal(err.exitCode, EXIT.usage, flag);
      assert.match(err.message, words);
    }
  });

  it('a bad --notify URL', async () => {
    const err = await refused('new.csv', '--notify', 'ftp://example.com');
    assert.equal(err.exitCode, EXIT.usage);
  });

  it('what is allowed says nothing', () => {
    assert.equal(syncUsageProblem({}), undefined);
    assert.equal(syncUsageProblem({ since: 'old.csv', dryRun: true, delete: true, json: true }), undefined);
    assert.equal(
      syncUsageProblem({ since: 'old.csv', sinceFormat: 'csv', detach: true, jobId: 'j' }),
      undefined,
    );
  });
});

describe('a sync job as the CLI shows it', () => {
  const counters = (imported: number, failed: number, calls: number) => ({
    lines: 0,
    users: 0,
    items: 0,
    imported,
    failed,
    failedByCode: {},
    calls,
    superseded: 0,
  });
  const progress = (over: Partial<SyncProgress> = {}): SyncProgress =>
    ({
      ...counters(12, 1, 20),
      failedByCode: { 30003: 1 },
      kind: 'sync',
      jobId: 'sync-1',
      state: 'running',
      elapsedMs: 10_000,
      inFlight: 2,
      concurrency: 100,
      offset: 0,
      sourceBytes: 0,
      eof: false,
      file: '/new.csv',
      since: 'service',
      deleteRemoved: false,
      phase: 'import',
      plan: {
        counts: { ...emptyPairCounts(), users: 3, added: 10, changed: 2, removed: 4, unchanged: 5 },
        segments: [
          { op: 'update', path: '/p/part-000-update.jsonl', users: 1, items: 2, minimumCalls: 1 },
          { op: 'import', path: '/p/part-000-import.jsonl', users: 3, items: 10, minimumCalls: 3 },
        ],
      },
      planDir: '/p',
      ops: { delete: counters(0, 0, 0), update: counters(2, 0, 1), import: counters(10, 1, 4) },
      ...over,
    }) as SyncProgress;

  it('counts calls per API: the plan reads are what the writes do not account for', () => {
    const s = syncSummary('sync-1', 'wf', progress());
    assert.deepEqual(s.callsByApi, { friend_get: 15, friend_delete: 0, friend_update: 1, friend_import: 4 });
    assert.equal(s.kind, 'sync');
    const text = formatSyncSummary(s);
    assert.match(text, /^Sync sync-1 is running at import .*: what the app holds → \/new\.csv$/m);
    assert.match(
      text,
      /^ {2}plan +10 added · 2 changed · 0 replaced · 4 removed \(kept: no --delete\) · 5 unchanged$/m,
    );
    assert.match(text, /^ {2}written +0 deleted · 2 updated · 10 imported$/m);
    assert.match(text, /^ {2}failed +1 \(30003 ×1\)$/m);
    assert.match(text, /^ {2}files +\/p\/part-NNN-<op>\.jsonl/m);
  });

  it('a job that told nothing still has a summary', () => {
    const s = syncSummary('sync-2', 'wf', undefined, { status: 'failed', error: 'boom' });
    assert.deepEqual([s.status, s.phase, s.plan.counts.added, s.error], ['failed', 'plan', 0, 'boom']);
    assert.deepEqual(s.callsByApi, { friend_delete: 0, friend_update: 0, friend_import: 0 });
  });

  it('progress: 0% while planning, then pairs written of the plan', () => {
    assert.equal(syncEstimate(progress({ phase: 'plan' }), []).fraction, 0);
    // 13 written or failed of 12 planned is capped at 1; 6 of 12 is half.
    assert.equal(syncEstimate(progress(), []).fraction, 1);
    const half = progress({
      ops: { delete: counters(0, 0, 0), update: counters(2, 0, 1), import: counters(4, 0, 2) },
    });
    assert.equal(syncEstimate(half, []).fraction, 0.5);
    assert.equal(syncEstimate(half, []).etaMs, 10_000);
  });
});
