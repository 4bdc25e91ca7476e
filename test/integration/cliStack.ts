/**
 * What the `cli*.test.ts` files that run the CLI against one running stack share: the stack (a dev
 * server, the emulator over HTTP and an in-process worker), started once per suite, a scratch
 * folder as the CLI's working directory (its reports land there), and the questions they ask it.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { importFriendsWorkflowId } from '../../core/definitions.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';
import { friendItems } from '../support/data.js';
import type { UserInput } from '../support/files.js';
import { runCli, spawnCli, type CliResult, type RunningCli } from './cliHelpers.js';

/** `n` users `${prefix}0 …`, each with `items` friends of their own. */
export const users = (prefix: string, n: number, items: number): UserInput[] =>
  Array.from({ length: n }, (_, i) => ({
    from: `${prefix}${i}`,
    items: friendItems(items, `${prefix}${i}-`),
  }));

/** A scratch folder made before the suite's tests and removed after them; read it once they run. */
export function scratchDir(prefix: string): () => string {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

export interface CliStack {
  /** The running stack (from the suite's `before` on). */
  readonly stack: Stack;
  /** The CLI's working directory. */
  readonly dir: string;
  /** Runs a command against the stack to its end; `extraEnv` overrides the stack's settings. */
  cli: (args: string[], extraEnv?: Record<string, string | undefined>) => Promise<CliResult>;
  /** Starts a command against the stack and leaves it running. */
  spawn: (args: string[]) => RunningCli;
  /** Makes every account of `list` (senders and friends) known to the emulator. */
  seed: (list: UserInput[]) => void;
  /** How many bulk import jobs were ever started. */
  bulkJobs: () => Promise<number>;
  /** How many verify jobs were ever started. */
  verifyJobs: () => Promise<number>;
  /** Whether the user's import workflow was ever started (by a user import). */
  userWorkflowExists: (fromAccount: string) => Promise<boolean>;
}

/**
 * Starts the stack for the calling suite (`describe`) and stops it after. Batches of 10 give users
 * several calls each (pause, overlaps); writes take 25 ms, so overlapping writes are observable;
 * the emulator records every call for the tests that check when calls came.
 */
export function cliStack(prefix: string): CliStack {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ emulator: { recordCalls: true, writeLatencyMs: 25 }, batchSize: 10 });
  });
  after(async () => {
    await stack?.stop();
  });
  // After the stack's hooks: hooks run in order, so the folder outlives the workers writing to it.
  const dir = scratchDir(prefix);
  const count = async (query: string): Promise<number> => (await stack.client.workflow.count(query)).count;
  return {
    get stack() {
      return stack;
    },
    get dir() {
      return dir();
    },
    cli: (args, extraEnv = {}) => runCli(args, { env: { ...stack.env, ...extraEnv }, cwd: dir() }),
    spawn: (args) => spawnCli(args, { env: stack.env, cwd: dir() }),
    seed: (list) =>
      stack.emulator.seedAccounts(list.flatMap((u) => [u.from, ...u.items.map((x) => x.To_Account)])),
    bulkJobs: () => count("WorkflowType = 'BulkImportWorkflow'"),
    verifyJobs: () => count("WorkflowType = 'VerifyJobWorkflow'"),
    userWorkflowExists: (fromAccount) =>
      stack.client.workflow
        .getHandle(importFriendsWorkflowId(stack.im.sdkAppId, fromAccount))
        .describe()
        .then(
          () => true,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return false;
            throw err;
          },
        ),
  };
}
