/**
 * The command line as a whole: its version, the help of every command and flag, the one bound and
 * the one message for a job's concurrency, and errors on one line.
 */
import type { Client } from '@temporalio/client';
import { Command } from 'commander';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBulkJob } from '../../../client/bulkJobs.js';
import { CliError, EXIT, oneLine } from '../../../cli/commands/errors.js';
import { registerCommands } from '../../../cli/commands/index.js';
import { parseConcurrency } from '../../../cli/commands/support/options.js';
import { MAX_CONCURRENCY } from '../../../client/index.js';
import { startVerifyJob } from '../../../client/verifyJobs.js';
import { packageVersion } from '../../../cli/version.js';
import { concurrencyProblem } from '../../../core/jobTypes.js';
import { projectRoot } from '../../../cli/stack/temporalCli.js';

const program = (): Command => {
  const p = new Command('friend-import');
  registerCommands(p);
  return p;
};

describe('friend-import --version', () => {
  const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string })
    .version;

  it("reads package.json's version from the sources and from the build", () => {
    assert.equal(packageVersion(), version);
    assert.equal(packageVersion(join(projectRoot, 'cli')), version);
    assert.equal(packageVersion(join(projectRoot, 'dist', 'cli')), version);
  });

  it('says so when no package.json of ours is above the folder', () => {
    assert.throws(() => packageVersion(tmpdir()), /cannot find the package\.json of tim-friend-import/);
  });
});

describe('help', () => {
  it('has a description for every command, argument and flag', () => {
    const missing: string[] = [];
    for (const command of program().commands) {
      if (!command.description().trim()) missing.push(command.name());
      for (const arg of command.registeredArguments)
        if (!arg.description.trim()) missing.push(`${command.name()} <${arg.name()}>`);
      for (const option of command.options)
        if (!option.description.trim()) missing.push(`${command.name()} ${option.flags}`);
    }
    assert.deepEqual(missing, []);
  });

  it('dev says IM_BASE_URL or IM_REGION means no emulator', () => {
    const dev = program().commands.find((c) => c.name() === 'dev');
    assert.match(dev?.helpInformation() ?? '', /IM_BASE_URL\s+or\s+IM_REGION/);
  });

  it('the worker command says where its settings come from', () => {
    const worker = program().commands.find((c) => c.name() === 'worker');
    let text = '';
    worker?.configureOutput({ writeOut: (s) => (text += s) }).outputHelp();
    assert.match(text, /TEMPORAL_ADDRESS/);
    assert.match(text, /IM_SECRET_KEY/);
  });

  it('every --concurrency and concurrency N names the one bound', () => {
    const commands = program().commands;
    for (const name of ['import', 'verify', 'demo']) {
      const flag = commands.find((c) => c.name() === name)?.options.find((o) => o.long === '--concurrency');
      assert.match(flag?.description ?? '', new RegExp(`1–${MAX_CONCURRENCY}\\b`), name);
    }
    const n = commands.find((c) => c.name() === 'concurrency')?.registeredArguments[1];
    assert.match(n?.description ?? '', new RegExp(`1–${MAX_CONCURRENCY}\\b`));
  });
});

describe('concurrency: one bound, one message', () => {
  it('is 1,000 calls in flight', () => assert.equal(MAX_CONCURRENCY, 1_000));

  it('the flag parser takes whole numbers 1–1000 and refuses the rest with exit 2', () => {
    assert.deepEqual(['1', '50', '1000'].map(parseConcurrency), [1, 50, 1_000]);
    for (const bad of ['0', '1001', '5000', '-1', '1.5', 'abc', '', ' 5', '1e3']) {
      assert.throws(
        () => parseConcurrency(bad),
        (err: unknown) =>
          err instanceof CliError &&
          err.exitCode === EXIT.usage &&
          err.message === `concurrency must be a whole number 1–1000, got ${JSON.stringify(bad)}`,
        bad,
      );
    }
  });

  it('the library says the same for a number', () => {
    assert.equal(concurrencyProblem(1_000), undefined);
    assert.equal(concurrencyProblem(1_001), 'concurrency must be a whole number 1–1000, got 1001');
    assert.equal(concurrencyProblem(2.5), 'concurrency must be a whole number 1–1000, got 2.5');
  });

  it('startBulkJob and startVerifyJob refuse it before any call', async () => {
    // Never used: the check comes before the first call.
    const target = { client: {} as Client, taskQueue: 'q' };
    for (const concurrency of [0, 1_001]) {
      await assert.rejects(
        startBulkJob(target, { path: 'f.jsonl', format: 'jsonl', concurrency }),
        (err: unknown) => err instanceof RangeError && /1–1000, got/.test(err.message),
      );
      await assert.rejects(
        startVerifyJob(target, { path: 'f.jsonl', format: 'jsonl', concurrency }),
        (err: unknown) => err instanceof RangeError && /1–1000, got/.test(err.message),
      );
    }
  });
});

describe('errors', () => {
  it('come out on one line, whatever the message', () => {
    assert.equal(oneLine('one sentence'), 'one sentence');
    assert.equal(oneLine('first\n  second\n\nthird\n'), 'first second third');
  });
});
