#!/usr/bin/env node
/**
 * `friend-import`: the command line of tim-friend-import (docs/cli.md). Each command lives in
 * `cli/commands/<name>.ts` and loads its heavy modules only when it runs, so `--help` stays fast.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { exitWithError } from './commands/errors.js';
import { packageVersion } from './version.js';

const program = new Command('friend-import')
  .description('Durable, throttled, exact one-way friend import into Tencent Cloud IM, on Temporal')
  .version(packageVersion(), '-V, --version', 'print the version of friend-import')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  await exitWithError(err);
}
