import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readOutcomes } from '../../../formats/importReport.js';
import { planFile, planPart, type PlanPartResult } from '../../../formats/syncPlan.js';
import type { SyncOp } from '../../../core/syncTypes.js';
import type { LineOutcome } from '../../../core/jobTypes.js';
import type { AddFriendItem } from '../../../im/schemas.js';

const item = (to: string, extra: Partial<AddFriendItem> = {}): AddFriendItem => ({
  To_Account: to,
  AddSource: 'AddSource_Type_Web',
  ...extra,
});
const line = (from: string, ...items: AddFriendItem[]): string =>
  JSON.stringify({ From_Account: from, AddFriendItem: items });

interface PlanLine {
  From_Account: string;
  AddFriendItem: AddFriendItem[];
}

async function planLines(planDir: string, part: number, op: SyncOp): Promise<PlanLine[]> {
  const text = await readFile(planFile(planDir, part, op), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as PlanLine);
}

/** Every pair of a plan as `op from→to`, sorted (the parts' union must equal the one-part plan). */
async function planPairs(planDir: string, parts: number): Promise<string[]> {
  const out: string[] = [];
  for (let part = 0; part < parts; part++)
    for (const op of ['delete', 'update', 'import'] as const)
      for (const l of await planLines(planDir, part, op))
        for (const i of l.AddFriendItem) out.push(`${op} ${l.From_Account}→${JSON.stringify(i)}`);
  return out.sort();
}

describe('planPart', () => {
  let dir: string;
  const oldFile = () => join(dir, 'old.jsonl');
  const newFile = () => join(dir, 'new.jsonl');
  const run = (sub: string, deleteRemoved: boolean, part = 0, parts = 1): Promise<PlanPartResult> =>
    planPart({
      source: { path: newFile(), format: 'jsonl' },
      base: { path: oldFile(), format: 'jsonl' },
      deleteRemoved,
      planDir: join(dir, sub, 'plan'),
      reportDir: join(dir, sub),
      part,
      parts,
      updateBatch: 2,
      importBatch: 1000,
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sync-plan-'));
    await writeFile(
      oldFile(),
      [
        line('u1', item('a', { Remark: 'ra' }), item('b'), item('c')),
        line('u2', item('x')),
        // u1 over a second line: its pairs join the first line's.
        line('u1', item('d'), item('e', { Remark: 'e1' })),
        line('u3', item('k')),
        line('gone', item('z1'), item('z2')),
      ].join('\n') + '\n',
    );
    await writeFile(
      newFile(),
      [
        // u1: a changed remark, b unchanged, c removed; d comes on a later line.
        line('u1', item('a', { Remark: 'old row' }), item('b')),
        line('u2', item('x'), item('y')),
        line('u1', item('a', { Remark: 'ra2' }), item('d'), item('e', { Remark: 'e2' }), item('f')),
        // u3's only pair has a rejected new row: it must not be deleted.
        line('u3', item('k', { AddSource: 'bad' })),
        '{not json',
      ].join('\n') + '\n',
    );
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('compares users over all their lines (the last row wins) and writes one line per user and write', async () => {
    const r = await run('one', true);
    const planDir = join(dir, 'one', 'plan');
    assert.deepEqual(
      {
        users: r.counts.users,
        usersUnchanged: r.counts.usersUnchanged,
        added: r.counts.added,
        changed: r.counts.changed,
        removed: r.counts.removed,
        unchanged: r.counts.unchanged,
        rejected: r.counts.rejected,
      },
      // u1: a, e changed; b, d unchanged; c removed; f added. u2: x unchanged, y added.
      // u3: k unread (rejected), and the unreadable line 5. gone: z1, z2 removed.
      { users: 4, usersUnchanged: 1, added: 2, changed: 2, removed: 3, unchanged: 3, rejected: 2 },
    );
    assert.deepEqual(await planLines(planDir, 0, 'update'), [
      { From_Account: 'u1', AddFriendItem: [item('a', { Remark: 'ra2' }), item('e', { Remark: 'e2' })] },
    ]);
    assert.deepEqual(
      (await planLines(planDir, 0, 'delete')).map((l) => [
        l.From_Account,
        l.AddFriendItem.map((i) => i.To_Account),
      ]),
      [
        ['u1', ['c']],
        ['gone', ['z1', 'z2']],
      ],
    );
    assert.deepEqual(await planLines(planDir, 0, 'import'), [
      { From_Account: 'u1', AddFriendItem: [item('f')] },
      { From_Account: 'u2', AddFriendItem: [item('y')] },
    ]);
    const byOp = Object.fromEntries(r.segments.map((s) => [s.op, [s.users, s.items, s.minimumCalls]]));
    // updateBatch 2: u1's two updates take one call.
    assert.deepEqual(byOp, { delete: [2, 3, 2], update: [1, 2, 1], import: [2, 2, 2] });
    // The rejected row is reported as an import's rejections are; u3 → k is in no plan file.
    const outcomes: LineOutcome[] = [];
    for await (const o of readOutcomes(join(dir, 'one'))) outcomes.push(o);
    assert.deepEqual(
      outcomes.flatMap((o) => o.failed.map((f) => [o.line, o.fromAccount, f.toAccount, f.kind])),
      [
        [4, 'u3', 'k', 'rejected'],
        [5, '', '', 'rejected'],
      ],
    );
    assert.ok(!(await planPairs(planDir, 1)).some((p) => p.includes('u3→')));
  });

  it('without deleteRemoved keeps removed pairs (counted, not written)', async () => {
    const r = await run('keep', false);
    assert.equal(r.counts.removed, 3);
    assert.deepEqual(await planLines(join(dir, 'keep', 'plan'), 0, 'delete'), []);
    assert.deepEqual(
      r.segments.map((s) => s.op),
      ['update', 'import'],
    );
    // `gone` has nothing to write now.
    assert.equal(r.counts.usersUnchanged, 2);
  });

  it('parts split the users disjointly and together make the one-part plan', async () => {
    const whole = await planPairs(join(dir, 'one', 'plan'), 1);
    for (const parts of [2, 3, 5]) {
      const sub = `parts${parts}`;
      const users = new Set<string>();
      let n = 0;
      for (let part = 0; part < parts; part++) {
        const r = await run(sub, true, part, parts);
        n += r.counts.users;
        for (const op of ['delete', 'update', 'import'] as const)
          for (const l of await planLines(join(dir, sub, 'plan'), part, op))
            users.add(`${part}:${l.From_Account}`);
      }
      assert.equal(n, 4, `${parts} parts count each user once`);
      const owners = [...users].map((u) => u.split(':')[1]);
      assert.equal(new Set(owners).size, owners.length, `a user in two parts: ${[...users].join(' ')}`);
      assert.deepEqual(await planPairs(join(dir, sub, 'plan'), parts), whole);
    }
  });
});
