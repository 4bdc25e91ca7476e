/**
 * `friend-import user FROM_ACCOUNT FILE [--json] [--submission-id ID] [--skip-invalid]`: imports
 * one user's items as a user import (the library's importFriends), waits for this call's
 * outcomes and prints them; `--json` prints the workflow's result. FILE holds a JSON array of
 * AddFriendItem objects, or one whole friend_import request body.
 *
 * The items are checked here first, with the dry run's rules and words. A call with a bad item is
 * refused whole (exit 2, each bad item listed, Temporal not contacted): a call is one change, fixed
 * and sent again as a whole. Had its good part gone already, the fixed call would either be ignored
 * (the same --submission-id adds items once) or write those friends a second time (a new one).
 * `--skip-invalid` sends it anyway; the bad items end as `rejected` in the outcome.
 */
import type { Command } from 'commander';
import type { AddFriendItem } from '../../im/schemas.js';
import { CliError, EXIT, exitAfterOutput } from './errors.js';
import { appOption } from './support/app.js';

/** The items of FILE's JSON; a clear usage error when it is neither shape. */
export function itemsOf(json: unknown, fromAccount: string, file: string): unknown[] {
  if (Array.isArray(json)) return json;
  if (typeof json === 'object' && json !== null && 'AddFriendItem' in json) {
    const body = json as { From_Account?: unknown; AddFriendItem: unknown };
    if (body.From_Account !== undefined && body.From_Account !== fromAccount)
      throw new CliError(
        `${file} is a request body for From_Account ${JSON.stringify(body.From_Account)}, not ${JSON.stringify(fromAccount)}`,
        EXIT.usage,
      );
    if (Array.isArray(body.AddFriendItem)) return body.AddFriendItem;
  }
  throw new CliError(
    `${file} must hold a JSON array of AddFriendItem objects or one friend_import request body ({"From_Account":…,"AddFriendItem":[…]})`,
    EXIT.usage,
  );
}

async function readItems(file: string, fromAccount: string): Promise<unknown[]> {
  const { readFile } = await import('node:fs/promises');
  const { encodingProblem } = await import('./support/source.js');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : `cannot be read (${code})`;
    throw new CliError(`${file} ${why}`, EXIT.usage);
  }
  const problem = encodingProblem(bytes, true);
  if (problem) throw new CliError(`${file} ${problem}`, EXIT.usage);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CliError(`${file} is not valid JSON (${(err as Error).message})`, EXIT.usage);
  }
  const items = itemsOf(json, fromAccount, file);
  if (items.length === 0)
    throw new CliError(`${file} holds no items: there is nothing to import`, EXIT.usage);
  return items;
}

interface UserOptions {
  json?: boolean;
  submissionId?: string;
  skipInvalid?: boolean;
  app?: number;
}

/**
 * Checks the items before anything is sent: prints each bad one as the dry run prints a bad row
 * (`--json`: one object listing them) and refuses the call, unless `--skip-invalid` and at least
 * one item is good.
 */
async function checkItemsHere(
  fromAccount: string,
  file: string,
  items: readonly unknown[],
  opts: UserOptions,
): Promise<void> {
  const { validateItems, rowLine } = await import('./support/dryRun.js');
  const { count } = await import('./support/format.js');
  const { fromProblem, badItems } = validateItems(fromAccount, items);
  if (fromProblem)
    throw new CliError(`${JSON.stringify(fromAccount)} cannot import friends: ${fromProblem}`, EXIT.usage);
  if (badItems.length === 0) return;
  const valid = items.length - badItems.length;
  if (opts.skipInvalid && valid > 0) {
    process.stderr.write(
      `${count(badItems.length, 'invalid item')} out of ${count(items.length)} will end as rejected (--skip-invalid):\n` +
        badItems.map((r) => `  ${rowLine(r, 'item')}\n`).join(''),
    );
    return;
  }
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ fromAccount, file, items: items.length, valid, rejected: badItems.length, badItems })}\n`,
    );
  else for (const r of badItems) process.stdout.write(`${rowLine(r, 'item')}\n`);
  throw new CliError(
    `${file}: ${count(badItems.length, 'invalid item')} out of ${count(items.length)}, so nothing was sent; ` +
      (valid === 0
        ? 'fix them and run again'
        : 'fix them and run again, or pass --skip-invalid to import the valid ones'),
    EXIT.usage,
  );
}

export function registerUser(program: Command): void {
  const command = program
    .command('user')
    .argument('<fromAccount>', 'the user whose friends are imported (From_Account)')
    .argument('<file>', 'JSON: an array of AddFriendItem objects, or one friend_import request body')
    .description("import one user's friends as a user import and print the outcome")
    .option('--json', "print the user's import workflow result as JSON")
    .option('--submission-id <id>', 'makes a retry add the items once (default: a new random ID)')
    .option(
      '--skip-invalid',
      'send the items even when some break the field rules: the valid ones are imported, the others end as rejected (default: refuse the whole call)',
    );
  appOption(command).action(async (fromAccount: string, file: string, opts: UserOptions) => {
    const items = await readItems(file, fromAccount);
    // Before any setting or connection: a bad file is exit 2 even with no cluster.
    await checkItemsHere(fromAccount, file, items, opts);
    const { randomUUID } = await import('node:crypto');
    const { loadClientImSettings, createFriendImporter } = await import('../../client/index.js');
    const { openTemporal } = await import('./support/context.js');
    const { codes, count } = await import('./support/format.js');
    // --app names the app; IM_SDKAPPID (required then) names it otherwise.
    const im = loadClientImSettings(
      opts.app ? { ...process.env, IM_SDKAPPID: String(opts.app) } : process.env,
    );
    const ctx = await openTemporal();
    let code: number = EXIT.ok;
    try {
      const importer = createFriendImporter({ client: ctx.client, taskQueue: ctx.taskQueue, ...im });
      const submissionId = opts.submissionId ?? `cli-${randomUUID()}`;
      // Sent as read: the workflow checks every item again and rejects a bad one alone (--skip-invalid).
      const handle = await importer.importFriends(fromAccount, items as AddFriendItem[], { submissionId });
      process.stderr.write(
        `${fromAccount}: ${count(items.length, 'item')} submitted as ${submissionId} to ${handle.workflowId}` +
          `${handle.rejected > 0 ? ` (${count(handle.rejected)} rejected on arrival)` : ''}; waiting for the outcome…\n`,
      );
      const onSigint = (): void => {
        process.stderr.write(
          `\nStopped waiting; the import goes on in workflow ${handle.workflowId} (Temporal UI, or re-run with --submission-id ${submissionId}).\n`,
        );
        process.exit(EXIT.interrupted);
      };
      process.once('SIGINT', onSigint);
      const outcome = await handle.outcome();
      code = outcome.failed === 0 ? EXIT.ok : EXIT.itemsFailed;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(await handle.result())}\n`);
      } else {
        const byCode = codes(outcome.failedByCode);
        const lines = [
          `${fromAccount}: ${count(outcome.imported)} imported, ${count(outcome.failed)} failed${byCode ? ` (${byCode})` : ''}${outcome.superseded > 0 ? `, ${count(outcome.superseded)} superseded` : ''} of ${count(outcome.total, 'item')}, ${count(outcome.calls, 'friend_import call')}.`,
          ...outcome.failures.map(
            (f) => `  item ${String(f.ref)} → ${f.toAccount || '?'}: ${f.code} (${f.kind}) ${f.reason}`,
          ),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.off('SIGINT', onSigint);
    } finally {
      await ctx.close();
    }
    await exitAfterOutput(code);
  });
}
