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
    // It signals the child only once we are gone, and only while the PID still names that child
    // (its start time is unchanged): a PID is reused soon enough on a busy machine that a stale
    // signal would kill whatever process got it next.
    const script = [
      `start() { sed 's/^.*) //' /proc/$1/stat 2>/dev/null | cut -d' ' -f20; }`,
      `s=$(start ${child.pid})`,
      `same() { kill -0 ${child.pid} 2>/dev/null && [ "$(start ${child.pid})" = "$s" ]; }`,
      `while kill -0 ${process.pid} 2>/dev/null && same; do sleep 1; done`,
      `kill -0 ${process.pid} 2>/dev/null && exit 0`,
      `same && kill -TERM ${child.pid}`,
      'sleep 5',
      `same && kill -KILL ${child.pid}`,
    ].join('\n');
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

/** Whether a process with this ID exists (and may be signalled by us). */
export function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
