/**
 * Child processes that cannot outlive us. Each one gets a tiny shell watchdog that kills it (and
 * then itself) as soon as our process is gone, even after a SIGKILL that runs no exit handler.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

const live = new Set<ChildProcess>();
let hooked = false;

function killAllSync(): void {
  for (const child of live) child.kill('SIGKILL');
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAllSync);
}

/** Spawns `command` with a watchdog bound to this process's life. */
export function spawnGuarded(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  hookExit();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid !== undefined) {
    live.add(child);
    child.once('exit', () => live.delete(child));
    const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${child.pid} 2>/dev/null; sleep 5; kill -KILL ${child.pid} 2>/dev/null`;
    const watchdog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
    watchdog.unref();
  }
  return child;
}

/** Asks the child to stop (SIGTERM), then kills it if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

/**
 * Resolves once the child printed `marker` on stdout; rejects (with its last stderr lines) if it
 * exits first or stays silent for `timeoutMs`.
 */
export async function waitForOutput(child: ChildProcess, marker: string, timeoutMs = 60_000): Promise<void> {
  const errors = tail(child.stderr);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${marker}" within ${timeoutMs} ms:\n${errors()}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer | string) => {
      if (String(chunk).includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${marker}":\n${errors()}`));
    });
  });
}

/** Keeps the last `max` lines a stream printed, for error messages when a child fails to start. */
export function tail(stream: NodeJS.ReadableStream | null | undefined, max = 40): () => string {
  const lines: string[] = [];
  stream?.setEncoding?.('utf8');
  stream?.on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter(Boolean));
    if (lines.length > max) lines.splice(0, lines.length - max);
  });
  return () => lines.join('\n');
}
