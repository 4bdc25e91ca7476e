/**
 * The least a user import can be (bench/workflowFloor.ts): a workflow started by Update-with-Start
 * whose update waits for one local activity's answer, then completes. Nothing of ours in it.
 */
import { condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export const addUpdate = defineUpdate<number, [number]>('add');

const { work } = proxyLocalActivities<{ work(n: number): Promise<number> }>({ startToCloseTimeout: '10s' });

export async function FloorWorkflow(): Promise<number> {
  let got = -1;
  let result = -1;
  setHandler(addUpdate, async (n) => {
    got = n;
    await condition(() => result >= 0);
    return result;
  });
  await condition(() => got >= 0);
  result = await work(got);
  return result;
}
