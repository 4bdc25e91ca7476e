/**
 * Naming the IM app a command works on (docs/cli.md, "Several apps"): `--app SDKAPPID`, else
 * `IM_SDKAPPID`, checked with the same words everywhere. Light on purpose: the commands load it to
 * build `--help`.
 */
import type { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';
import { wholeNumber } from './options.js';

const parseApp = wholeNumber('--app', 1);

/** Adds `--app SDKAPPID` to a command. */
export function appOption(command: Command): Command {
  return command.option(
    '--app <sdkAppId>',
    'the IM app (SDKAppID) when the workers serve several (default: IM_SDKAPPID)',
    parseApp,
  );
}

/** The app named by `--app`, else by IM_SDKAPPID, else undefined (the workers' one app). */
export function appOf(flag: number | undefined, env: Record<string, string | undefined>): number | undefined {
  if (flag !== undefined) return flag;
  const value = env.IM_SDKAPPID?.trim();
  if (!value) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value)))
    throw new CliError(`IM_SDKAPPID must be a whole number 1 or more, got "${value}"`, EXIT.usage);
  return Number(value);
}
