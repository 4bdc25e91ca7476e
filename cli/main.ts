#!/usr/bin/env node
/**
 * `friend-import`: the command line of tim-friend-import (docs/cli.md). Each command lives in
 * `cli/commands/<name>.ts` and loads its heavy modules only when it runs, so `--help` stays fast.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { exitWithError } from './commands/errors.js';
import { packageVersion } from './version.js';
import { loadObjectStoreSettings } from '../config/objectStore.js';
import { configureObjectStore } from '../formats/storage/settings.js';

// s3:// sources and reports (docs/cli.md): the AWS_* settings are read only if one is used.
configureObjectStore(() => loadObjectStoreSettings(process.env));

const program = new Command('friend-import')
  .description('Durable, throttled, exact one-way friend import into Tencent Cloud IM, on Temporal')
  .version(packageVersion(), '-V, --version', 'print the version of friend-import')
  .exitOverride();

registerCommands(program);
oneLineUsageErrors(program, 'friend-import');

/** A usage error (unknown flag, missing argument) is one line like every other, saying where help is. */
function oneLineUsageErrors(command: Command, name: string): void {
  command.configureOutput({
    outputError: (message, write) =>
      write(`friend-import: ${message.replace(/^error: /, '').trim()} (${name} --help shows the usage)\n`),
  });
  for (const sub of command.commands) oneLineUsageErrors(sub, `${name} ${sub.name()}`);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  await exitWithError(err);
}
