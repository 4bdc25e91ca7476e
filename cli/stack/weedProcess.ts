/**
 * Stopping a `weed server` (./objectStore.ts) completely: its process group, then the sockets it
 * leaves in /tmp when killed.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';

const STOP_GRACE_MS = 5_000;

/** SIGTERM to the server's process group, SIGKILL to whatever is left after a grace period. */
export async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = once(child, 'exit');
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is gone already.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS);
  await done;
  clearTimeout(timer);
}

/** weed puts its gRPC and local sockets in /tmp under the port's number; a kill leaves them. */
export async function removeSockets(ports: readonly number[]): Promise<void> {
  const kinds = ['master-grpc', 'volume-grpc', 'filer-grpc', 's3-grpc', 'filer', 's3'];
  await Promise.all(
    ports.flatMap((port) => kinds.map((kind) => rm(`/tmp/seaweedfs-${kind}-${port}.sock`, { force: true }))),
  );
}
