/**
 * Running the real `friend-import` CLI as child processes in integration tests: a command to its
 * end (exit code, stdout, stderr), or one left running to be killed, and bounded waits.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ReportRow } from '../../core/jobTypes.js';
import { spawnGuarded } from '../../cli/stack/childProcess.js';
import { projectRoot } from '../../cli/stack/temporalCli.js';

/** tsx by URL, so a child can run from any folder (its reports land in its cwd). */
const TSX = import.meta.resolve('tsx');
export const CLI = join(projectRoot, 'cli', 'main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<CliResult>;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** In a process group of its own, as a terminal runs it: signal it with `process.kill(-pid, …)`. */
  detached?: boolean;
}

export function spawnCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawnGuarded(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: options.cwd ?? projectRoot,
    env: { ...process.env, FRIEND_IMPORT_PROGRESS_MS: '1000', ...options.env },
    ...(options.detached && { detached: true }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = (once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>).then(
    ([code, signal]) => ({ code, signal, stdout, stderr }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs a command to its end (bounded: killed after `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<CliResult> {
  const run = spawnCli(args, options);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The one JSON object a `--json` command prints on stdout. */
export function jsonOut<T>(result: CliResult): T {
  const lines = result.stdout.split('\n').filter(Boolean);
  if (lines.length !== 1)
    throw new Error(`expected one line on stdout, got ${lines.length}:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(lines[0] as string) as T;
}

export function readRows(text: string): ReportRow[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReportRow);
}

/** A report row without what depends on the input's format: the line, submission IDs, item paths. */
export function comparable(r: ReportRow): string {
  const reason = r.reason
    .replace(/\(submission [^)]*\)/g, '(submission)')
    .replace(/AddFriendItem\[\d+\]\./g, '')
    .replace(/later \(\d+\)/g, 'later');
  return JSON.stringify([r.fromAccount, r.toAccount, r.code, r.kind, reason]);
}
