/**
 * Bad input (validated input, docs/architecture.md): generated JSONL and CSV files hold over 1,000
 * malformed rows each — broken JSON, wrong types, each field limit at its bound + 1, unknown fields, empty lines, BOMs,
 * invalid UTF-8, a 5 MB line, ragged rows and bad quoting — among good rows. Imported through the
 * CLI (`friend-import import FILE --json`, a child process): every bad row is in the report with
 * its line and a reason, every good row is imported, nothing crashes, and the CLI exits 3.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnGuarded } from '../../cli/stack/childProcess.js';
import { projectRoot } from '../../cli/stack/temporalCli.js';
import type { ReportRow } from '../../core/jobTypes.js';
import { badCsv } from '../support/badCsv.js';
import { badJsonl, type BadInput } from '../support/badInput.js';
import { diffFriends, type StateDiff } from '../support/emulatorState.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function cli(stack: Stack, args: string[]): Promise<CliRun> {
  const child = spawnGuarded(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, 'cli', 'main.ts'), ...args],
    {
      env: { ...process.env, ...stack.env },
      cwd: projectRoot,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** The last line of stdout is the `--json` summary. */
const lastJson = <T>(run: CliRun): T => JSON.parse(run.stdout.trim().split('\n').pop() ?? 'null') as T;

interface ImportSummary {
  status: string;
  items: number;
  imported: number;
  failed: number;
  failedByCode: Record<string, number>;
  superseded: number;
  reportJsonl: string;
}

describe('bad input', { timeout: 300_000 }, () => {
  let stack: Stack;
  let dir: string;
  before(async () => {
    stack = await startStack();
    dir = await mkdtemp(join(tmpdir(), 'bad-input-'));
  });
  after(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, () => BadInput, 'jsonl' | 'csv'][] = [
    ['JSONL', badJsonl, 'jsonl'],
    ['CSV', badCsv, 'csv'],
  ];
  for (const [name, make, format] of cases)
    it(`${name}: every bad row reported with its line and reason, every good row imported, exit code 3`, async (t) => {
      const input = make();
      assert.ok(input.bad.length >= 1_000, `${input.bad.length} bad rows`);
      const file = join(dir, `input.${format}`);
      await writeFile(file, input.bytes);
      stack.emulator.seedAccounts(input.accounts);

      const run = await cli(stack, [
        'import',
        file,
        '--json',
        '--report',
        join(dir, `${format}-report.jsonl`),
      ]);
      assert.equal(run.code, 3, `exit code ${run.code}\n${run.stderr.slice(-2000)}`);
      const summary = lastJson<ImportSummary>(run);
      const goodItems = [...input.good.values()].reduce((n, items) => n + items.length, 0);
      const superseded = input.bad.filter((b) => b.code === 'superseded').length;
      const failed = input.bad.length - superseded;
      assert.equal(summary.status, 'completed');
      // A repeated pair's earlier row is reported, as superseded: not a failure.
      assert.deepEqual(
        [summary.imported, summary.failed, summary.failedByCode, summary.superseded],
        [goodItems, failed, { rejected: failed }, superseded],
      );

      const rows = (await readFile(summary.reportJsonl, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ReportRow);
      const key = (r: { line: number; fromAccount: string; toAccount: string }) =>
        `${r.line} ${r.fromAccount} → ${r.toAccount}`;
      assert.deepEqual(rows.map(key).sort(), input.bad.map(key).sort());
      const expected = new Map(input.bad.map((b) => [key(b), b]));
      const wrongReason = rows
        .filter((r) => {
          const e = expected.get(key(r));
          return !e || r.code !== (e.code ?? 'rejected') || r.kind !== r.code || !e.reason.test(r.reason);
        })
        .map((r) => `line ${r.line} (${expected.get(key(r))?.kind}): ${r.code} ${r.reason.slice(0, 120)}`);
      assert.deepEqual(wrongReason.slice(0, 10), []);
      t.diagnostic(
        `${input.lines} lines: ${input.bad.length} bad rows reported, ${goodItems} good items imported`,
      );

      const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
      for (const [from, items] of input.good) diffFriends(from, stack.emulator.friendsOf(from), items, diff);
      for (const b of input.bad)
        if (b.fromAccount && !input.good.has(b.fromAccount))
          diffFriends(b.fromAccount, stack.emulator.friendsOf(b.fromAccount), [], diff);
      assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] });
    });

  it('a dry run reports the same rows the reader rejects, and exits 3', async () => {
    const input = badJsonl();
    const file = join(dir, 'dry.jsonl');
    await writeFile(file, input.bytes);
    // The rows go to a report file: on a pipe, a large `--json` stdout can be cut short at exit.
    const report = join(dir, 'dry-report.jsonl');
    const run = await cli(stack, ['import', file, '--dry-run', '--json', '--report', report]);
    assert.equal(run.code, 3, run.stderr.slice(-2000));
    const summary = lastJson<{ rejected: number; repeatedPairs: number }>(run);
    // A repeated pair is not a bad row: the dry run counts it, the job reports its earlier row superseded.
    const readerRows = input.bad.filter((b) => b.code !== 'superseded');
    assert.deepEqual(
      [summary.rejected, summary.repeatedPairs],
      [readerRows.length, input.bad.length - readerRows.length],
    );
    const rows = (await readFile(report, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ReportRow);
    assert.deepEqual(
      rows.map((r) => r.line),
      readerRows.map((r) => r.line).sort((a, b) => a - b),
    );
  });
});
