/**
 * The floor under S (bench/RESULTS.md): what one workflow per import costs on this machine with
 * nothing of ours in it — a trivial workflow (bench/floor/workflows.ts) started by
 * Update-with-Start, whose update waits for one local activity, on a fresh dev server, the client
 * and the worker in this process, the same number in flight as S. Its rate is the most any design
 * with one workflow run per import can reach here.
 */
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { join } from 'node:path';
import { startDevServer } from '../cli/stack/devServer.js';
import { quietRuntime } from '../cli/stack/stack.js';
import { procSample } from './probe.js';
import { pool } from './serviceRun.js';
import { addUpdate } from './floor/workflows.js';

export interface FloorFigures {
  runs: number;
  elapsedMs: number;
  /** CPU ms per run: this process (client and worker), and the dev server. */
  processMs: number;
  devServerMs: number;
}

export async function measureFloor(runs: number, inFlight: number): Promise<FloorFigures> {
  quietRuntime();
  const server = await startDevServer();
  const native = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  try {
    const worker = await Worker.create({
      connection: native,
      taskQueue: 'floor',
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: join(import.meta.dirname, 'floor', 'workflows.ts'),
        logger: {
          log: () => {},
          trace: () => {},
          debug: () => {},
          info: () => {},
          warn: () => {},
          error: console.error,
        },
      }),
      activities: { work: (n: number) => Promise.resolve(n + 1) },
      maxConcurrentWorkflowTaskExecutions: inFlight,
      maxConcurrentLocalActivityExecutions: inFlight,
      maxCachedWorkflows: 1_000,
    });
    const running = worker.run();
    const client = new Client({ connection });
    const s0 = procSample(server.pid);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await pool(
      Array.from({ length: runs }, (_, i) => i),
      inFlight,
      async (i) => {
        const start = new WithStartWorkflowOperation('FloorWorkflow', {
          workflowId: `floor-${i}`,
          taskQueue: 'floor',
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
        const update = await client.workflow.startUpdateWithStart(addUpdate, {
          args: [i],
          waitForStage: 'ACCEPTED',
          startWorkflowOperation: start,
        });
        await update.result();
      },
    );
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const s1 = procSample(server.pid);
    worker.shutdown();
    await running;
    return {
      runs,
      elapsedMs,
      processMs: (cpu.user + cpu.system) / 1000 / runs,
      devServerMs: ((s1?.cpuMs ?? 0) - (s0?.cpuMs ?? 0)) / runs,
    };
  } finally {
    await connection.close();
    await native.close();
    await server.stop();
  }
}

export function formatFloor(f: FloorFigures, rate: number): string {
  const perSecond = f.runs / (f.elapsedMs / 1000);
  return (
    `  floor (one trivial workflow per import, nothing of ours: Update-with-Start, one local activity, ${f.runs} runs): ` +
    `${perSecond.toFixed(0)} runs/s = ${(perSecond / rate).toFixed(2)} of the ceiling; CPU per run ${f.processMs.toFixed(2)} ms client + worker, ` +
    `${f.devServerMs.toFixed(2)} ms dev server`
  );
}
