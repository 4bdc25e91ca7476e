/**
 * What one cached user workflow costs the worker in memory: a `friend-import worker` with only the
 * main role (no IM-calls worker, so every user's first call waits and its workflow stays cached)
 * takes N users of K items each; its RSS is read before and after. Prints MiB per workflow.
 *
 *   node --import tsx bench/workerMemory.ts [--users 1000] [--items 10] [--steps 4]
 */
import { parseArgs } from 'node:util';
import { importFriends } from '../client/userImports.js';
import { startStack } from '../cli/stack/stack.js';
import { load, procSample } from './probe.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000' },
    items: { type: 'string', default: '10' },
    steps: { type: 'string', default: '4' },
  },
});
const users = Number(values.users);
const items = Number(values.items);
const steps = Number(values.steps);

const stack = await startStack({ worker: false });
try {
  const worker = await stack.spawnWorker({ WORKER_ROLE: 'main' });
  const pid = worker.pid ?? -1;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** RSS once the worker has caught up: its workflow tasks done, RSS steady. */
  const settledRss = async (): Promise<number> => {
    let last = 0;
    for (let i = 0; i < 60; i++) {
      await sleep(1000);
      const now = procSample(pid)?.rssMiB ?? 0;
      if (Math.abs(now - last) < 2) return now;
      last = now;
    }
    return last;
  };
  const base = await settledRss();
  console.log(`worker RSS once started: ${base.toFixed(0)} MiB (load ${load()})`);
  let started = 0;
  for (let step = 1; step <= steps; step++) {
    const upTo = Math.round((users * step) / steps);
    const batch: Promise<unknown>[] = [];
    for (; started < upTo; started++) {
      const from = `mem${started}`;
      const list = Array.from({ length: items }, (_, j) => ({
        item: { To_Account: `${from}-f${j}`, AddSource: 'AddSource_Type_Bench', Remark: `friend ${j}` },
      }));
      batch.push(importFriends(stack.target, from, list, { submissionId: `mem-${from}` }));
      if (batch.length >= 32) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
    const rss = await settledRss();
    console.log(
      `${started} user workflows cached (${items} items each): RSS ${rss.toFixed(0)} MiB, ` +
        `${(((rss - base) * 1024) / started).toFixed(0)} KiB per workflow`,
    );
  }
} finally {
  await stack.stop();
}
