/**
 * Waiting for a Temporal frontend to answer its gRPC health check, for the dev server and for the
 * production-topology harness alike.
 */
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ChildProcess } from 'node:child_process';

const SERVING = proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;

interface WaitServingOptions {
  /** What to call the server in errors ("the Temporal server", "temporal server start-dev"). */
  readonly label: string;
  readonly timeoutMs: number;
  /** The process that serves: if it exits, waiting stops at once with its exit code. */
  readonly child: ChildProcess;
  readonly signal?: AbortSignal;
  /**
   * Runs once the frontend says SERVING, on the same connection; a failure counts as not ready
   * yet (a fresh server can answer health before its operator service accepts calls).
   */
  readonly onServing?: (connection: Connection) => Promise<unknown>;
}

export async function waitServing(address: string, options: WaitServingOptions): Promise<void> {
  const { label, timeoutMs, child, signal, onServing } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${label} exited early (code ${child.exitCode ?? child.signalCode})`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: '2s' });
      const health = await connection.healthService.check({});
      if (health.status === SERVING) {
        await onServing?.(connection);
        return;
      }
      lastError = `health status ${health.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await connection?.close();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${label} on ${address} was not healthy within ${timeoutMs} ms (${lastError})`);
}
