/**
 * `friend-import user`, one user's import (a user import, as a service makes), as operators run it against a
 * real dev server, the emulator over HTTP and a worker: the outcome or the --json result, the
 * items checked before anything is sent, and one writer per user when a bulk job writes for the
 * same user at the same time.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ImportFriendsResult } from '../../core/userImportTypes.js';
import { assertFriends, friendItem, friendItems } from '../support/data.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { jsonOut, waitFor } from './cliHelpers.js';
import { cliStack, users } from './cliStack.js';

describe('friend-import CLI: the user command', { timeout: 600_000 }, () => {
  const ctx = cliStack('cli-user-');
  const { cli, spawn, seed, userWorkflowExists } = ctx;

  it('user: imports one user as a user import and prints the outcome or the result', async () => {
    const { emulator } = ctx.stack;
    const items = friendItems(3, 'svc-');
    emulator.seedAccounts(['svc', 'svc2', ...items.map((i) => i.To_Account)]);
    const file = join(ctx.dir, 'svc.json');
    await writeFile(file, JSON.stringify([...items, friendItem('ghost-svc')]));
    const r = await cli(['user', 'svc', file, '--json']);
    assert.equal(r.code, 3, r.stderr);
    const result = jsonOut<ImportFriendsResult>(r);
    assert.deepEqual(
      [result.fromAccount, result.state, result.imported, result.failed, result.failAccounts],
      ['svc', 'completed', 3, 1, ['ghost-svc']],
    );
    assertFriends(emulator, 'svc', items);

    const body = join(ctx.dir, 'svc2.json');
    await writeFile(body, JSON.stringify({ From_Account: 'svc2', AddFriendItem: items.slice(0, 2) }));
    const human = await cli(['user', 'svc2', body]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^svc2: 2 imported, 0 failed of 2 items/);
    const other = await cli(['user', 'someone-else', body]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /request body for From_Account "svc2", not "someone-else"/);
  });

  it('user: checks the items before sending; a call with a bad item is refused whole unless --skip-invalid', async () => {
    const { emulator } = ctx.stack;
    const good = friendItems(2, 'chk-');
    emulator.seedAccounts(['chk', ...good.map((i) => i.To_Account)]);
    const file = join(ctx.dir, 'chk.json');
    await writeFile(
      file,
      JSON.stringify([
        good[0],
        friendItem('chk-long', { Remark: 'r'.repeat(97) }),
        good[1],
        friendItem('chk'),
      ]),
    );
    const refused = await cli(['user', 'chk', file]);
    assert.equal(refused.code, 2, refused.stderr);
    // Each bad item as the dry run shows a bad row, then one sentence.
    assert.deepEqual(refused.stdout.trim().split('\n'), [
      'item 1: chk → chk-long: AddFriendItem[1].Remark is 97 bytes; the limit is 96 bytes (UTF-8)',
      'item 3: chk → chk: AddFriendItem[3].To_Account equals From_Account: a user cannot be their own friend',
    ]);
    assert.match(
      refused.stderr,
      /^friend-import: .*chk\.json: 2 invalid items out of 4, so nothing was sent; fix them and run again, or pass --skip-invalid to import the valid ones\n$/,
    );
    const json = await cli(['user', 'chk', file, '--json']);
    assert.equal(json.code, 2);
    assert.deepEqual(
      jsonOut<{ items: number; valid: number; badItems: { line: number }[] }>(json).badItems.map(
        (r) => r.line,
      ),
      [1, 3],
    );
    // Nothing was sent: no workflow for the user, nothing in the app.
    assert.equal(await userWorkflowExists('chk'), false);
    assert.equal(emulator.friendsOf('chk').length, 0);

    const sent = await cli(['user', 'chk', file, '--skip-invalid']);
    assert.equal(sent.code, 3, sent.stderr);
    assert.match(sent.stderr, /2 invalid items out of 4 will end as rejected \(--skip-invalid\)/);
    assert.match(
      sent.stdout,
      /^chk: 2 imported, 2 failed \(rejected ×2\) of 4 items, 1 friend_import call\./,
    );
    assertFriends(emulator, 'chk', good);
  });

  it('a user in a bulk job and a concurrent service call never write at once', async () => {
    const { emulator } = ctx.stack;
    const shared = friendItems(200, 'sh-job-'); // 20 calls of 10
    const mine = friendItems(25, 'sh-svc-');
    const list: UserInput[] = [{ from: 'shared', items: shared }, ...users('shn', 19, 10)];
    seed(list);
    emulator.seedAccounts(mine.map((i) => i.To_Account));
    const file = join(ctx.dir, 'shared.jsonl');
    await writeJsonl(file, list);
    const svcFile = join(ctx.dir, 'shared-svc.json');
    await writeFile(svcFile, JSON.stringify(mine));
    const overlaps = emulator.stats().friendImport.overlaps;
    const seen = emulator.calls().length;

    const job = spawn(['import', file, '--json', '--job-id', 'cli-overlap']);
    await waitFor('the job’s first call for shared', () =>
      emulator
        .calls()
        .slice(seen)
        .some((c) => c.fromAccount === 'shared'),
    );
    const svc = await cli(['user', 'shared', svcFile]);
    const done = await job.exited;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(svc.code, 0, svc.stderr);

    assert.equal(emulator.stats().friendImport.overlaps, overlaps, 'overlaps');
    const calls = emulator
      .calls()
      .slice(seen)
      .filter((c) => c.fromAccount === 'shared')
      .sort((a, b) => a.arrivedAt - b.arrivedAt);
    assert.ok(calls.length >= 23);
    for (let i = 1; i < calls.length; i++)
      assert.ok(
        calls[i]!.arrivedAt >= calls[i - 1]!.finishedAt,
        `call ${i} started before call ${i - 1} ended`,
      );
    assert.ok(calls.every((c) => c.errorCode !== 30008));
    assertFriends(emulator, 'shared', [...shared, ...mine]);
  });
});
