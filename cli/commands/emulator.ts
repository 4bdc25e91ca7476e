/**
 * `friend-import emulator [--port N] [--db FILE] [--faults FILE] …`: runs only the local IM REST
 * emulator (docs/emulator.md) for the app in IM_SDKAPPID / IM_ADMIN_IDENTIFIER / IM_SECRET_KEY
 * (the embedded local app when unset). Prints `ready {"baseUrl":…}` once listening; stops on
 * SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { CliError, EXIT } from './errors.js';

const DEFAULT_PORT = 5080;

interface EmulatorCommandOptions {
  host: string;
  port: number;
  db?: string;
  faults?: string;
  rateLimit?: number;
  rateLimitCode?: number;
  writeLatencyMs?: number;
  accounts?: string;
  foreignAccounts?: string;
  sensitiveWords?: string;
  maxFriends?: number;
  maxGroups?: number;
  pageSize?: number;
  maxBodyBytes?: number;
  admins?: string;
  recordCalls?: boolean;
  existingFriend?: 'overwrite' | 'refuse';
  extrasToken?: string;
}

function wholeNumber(flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max))
      throw new CliError(`${flag} must be a whole number ${min}–${max}, got "${value}"`, EXIT.usage);
    return n;
  };
}

function existingFriendMode(value: string): 'overwrite' | 'refuse' {
  if (value === 'overwrite' || value === 'refuse') return value;
  throw new CliError(`--existing-friend must be overwrite or refuse, got "${value}"`, EXIT.usage);
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function readText(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CliError(`${flag}: cannot read ${file} (${reason})`, EXIT.usage);
  }
}

/** One UserID per line; blank lines and lines starting with # are skipped. */
async function readUserIds(flag: string, file: string): Promise<string[]> {
  const lines = (await readText(flag, file)).split(/\r?\n/);
  return lines.map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
}

async function readFaultPlan(file: string): Promise<unknown> {
  const text = await readText('--faults', file);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`--faults: ${file} is not valid JSON`, EXIT.usage);
  }
}

async function runEmulator(opts: EmulatorCommandOptions): Promise<void> {
  const { loadImSettings } = await import('../../config/im.js');
  const { startEmulator, parseFaultPlan, RATE_LIMIT_CODES } = await import('../../emulator/index.js');
  const settings = loadImSettings(process.env, {
    local: true,
    localBaseUrl: `http://${opts.host}:${opts.port}/`,
  });
  let faults;
  if (opts.faults) {
    try {
      faults = parseFaultPlan(await readFaultPlan(opts.faults));
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`--faults: ${(err as Error).message}`, EXIT.usage);
    }
  }
  const rateLimitCode = opts.rateLimitCode;
  if (rateLimitCode !== undefined && !(RATE_LIMIT_CODES as readonly number[]).includes(rateLimitCode))
    throw new CliError(`--rate-limit-code must be one of ${RATE_LIMIT_CODES.join(', ')}`, EXIT.usage);

  let emulator;
  try {
    emulator = await startEmulator({
      host: opts.host,
      port: opts.port,
      dbFile: opts.db,
      sdkAppId: settings.sdkAppId,
      adminIdentifiers: [settings.adminIdentifier, ...(opts.admins ? list(opts.admins) : [])],
      secretKey: settings.secretKey,
      rateLimit: opts.rateLimit,
      rateLimitCode: rateLimitCode as (typeof RATE_LIMIT_CODES)[number] | undefined,
      writeLatencyMs: opts.writeLatencyMs,
      sensitiveWords: opts.sensitiveWords ? list(opts.sensitiveWords) : undefined,
      faults,
      accounts: opts.accounts ? await readUserIds('--accounts', opts.accounts) : undefined,
      foreignAccounts: opts.foreignAccounts
        ? await readUserIds('--foreign-accounts', opts.foreignAccounts)
        : undefined,
      maxFriends: opts.maxFriends,
      maxGroups: opts.maxGroups,
      friendGetPageSize: opts.pageSize,
      maxBodyBytes: opts.maxBodyBytes,
      recordCalls: opts.recordCalls,
      existingFriend: opts.existingFriend,
      extrasToken: opts.extrasToken ?? (process.env.EMULATOR_EXTRAS_TOKEN || undefined),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new CliError(`port ${opts.port} is in use: pass --port N (0 = any free port)`, EXIT.usage);
    if (e instanceof RangeError || /holds the state of SDKAppID/.test(e.message))
      throw new CliError(e.message, EXIT.usage);
    throw err;
  }
  process.stderr.write(
    `IM emulator for SDKAppID ${settings.sdkAppId} (admin ${settings.adminIdentifier}) on ${emulator.baseUrl}; ` +
      `state ${opts.db ?? 'in memory'}; friend_import limit ${opts.rateLimit ?? 200}/s` +
      `${faults ? `; fault plan ${opts.faults} (seed ${faults.seed})` : ''}` +
      `${opts.existingFriend === 'refuse' ? '; an existing friend is refused (30001)' : ''}\n` +
      (emulator.extrasToken
        ? `Its extras (/__emulator/faults, stats, calls) answer callers on other machines that send ` +
          `"Authorization: Bearer ${emulator.extrasToken}".\n`
        : ''),
  );
  process.stdout.write(`ready ${JSON.stringify({ baseUrl: emulator.baseUrl })}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emulator.close();
}

export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description(
      'run the local Tencent IM REST emulator (friend_import and its companion calls) for the app in IM_* until Ctrl-C',
    )
    .option(
      '--port <n>',
      `port, 0 = any free port (default ${DEFAULT_PORT})`,
      wholeNumber('--port', 0, 65535),
    )
    .option('--host <ip>', 'address to bind (0.0.0.0 in a container)', '127.0.0.1')
    .option('--db <file>', 'SQLite file that keeps the state across restarts (default: in memory)')
    .option('--faults <file>', 'fault plan (JSON, see docs/emulator.md)')
    .option(
      '--rate-limit <n>',
      'friend_import calls per sliding second, 0 = no limit (default 200)',
      wholeNumber('--rate-limit'),
    )
    .option(
      '--rate-limit-code <code>',
      'code beyond the rate limit: 60007, 60011, 60018 or 60019 (default 60007)',
      wholeNumber('--rate-limit-code'),
    )
    .option(
      '--write-latency-ms <n>',
      'hold each friend_import write this long (default 0)',
      wholeNumber('--write-latency-ms'),
    )
    .option('--accounts <file>', 'UserIDs to seed as imported accounts, one per line')
    .option('--foreign-accounts <file>', 'UserIDs of another SDKAppID (items answered 30002), one per line')
    .option('--sensitive-words <list>', 'comma-separated words that make an item fail with 30005')
    .option('--max-friends <n>', 'friends per user (default 3000)', wholeNumber('--max-friends'))
    .option('--max-groups <n>', 'friend groups per user (default 32)', wholeNumber('--max-groups'))
    .option('--page-size <n>', 'friend_get page size (default 100)', wholeNumber('--page-size', 1))
    .option(
      '--max-body-bytes <n>',
      'largest request body (default 1048576)',
      wholeNumber('--max-body-bytes', 1),
    )
    .option('--admins <list>', 'more admin identifiers besides IM_ADMIN_IDENTIFIER, comma-separated')
    .option('--record-calls', 'keep a log of friend_import calls (GET /__emulator/calls)')
    .option(
      '--extras-token <token>',
      'what callers on other machines send to use the extras (Authorization: Bearer <token>); default EMULATOR_EXTRAS_TOKEN, else made up when --host is not loopback',
    )
    .option(
      '--existing-friend <mode>',
      'importing someone already a friend: overwrite (default) replaces the stored friend, refuse answers per-item 30001',
      existingFriendMode,
    )
    .action(async (opts: Omit<EmulatorCommandOptions, 'port'> & { port?: number }) => {
      await runEmulator({ ...opts, port: opts.port ?? DEFAULT_PORT });
    });
}
