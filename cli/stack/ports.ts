/**
 * Ports for the servers we start (docs/architecture.md, "Ports"). A port found free and released
 * before the server binds it can be taken in between: the kernel hands ports of its ephemeral
 * range to outgoing connections at any moment. So we choose ports below that range, never hand
 * the same one out twice in a process, and every start that binds ports it did not hold retries
 * with fresh ones when a bind fails (`withFreshPorts`).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where Linux hands out ports to outgoing connections (its default when unreadable). */
export function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const range: [number, number] = [Number(lo), Number(hi)];
    if (range.every((n) => Number.isInteger(n) && n > 0)) return range;
  } catch {
    // Not Linux: fall through to the usual range.
  }
  return [32_768, 60_999];
}

/** Whether `port` on `host` can be listened on right now. */
export function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();
const LOWEST = 10_000;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, below the kernel's ephemeral range (so no
 * outgoing connection takes it) and not handed out before by this process. Below 32768 as well:
 * the production server stores its ports in a SMALLINT column.
 */
export async function freePort(): Promise<number> {
  const top = Math.min(ephemeralRange()[0], 32_768) - 1;
  for (let i = 0; top > LOWEST && i < 200; i++) {
    const port = LOWEST + Math.floor(Math.random() * (top - LOWEST));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  // No room below the ephemeral range: let the kernel choose (starts retry on a clash).
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      handedOut.add(port);
      server.close(() => resolvePort(port));
    });
  });
}

/** `n` distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await freePort());
  return out;
}

/** The error or output says a bind failed because the port was taken. */
export function isAddressInUse(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return (
    e?.code === 'EADDRINUSE' ||
    /address already in use|EADDRINUSE|port .* (is )?in use/i.test(e?.message ?? '')
  );
}

/**
 * Starts something on ports chosen for it: when a start fails because a port was taken, it runs
 * again with fresh ports, up to `attempts` times; after the last try the error says so.
 */
export async function withFreshPorts<T>(
  what: string,
  start: (attempt: number) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt);
    } catch (err) {
      if (!isAddressInUse(err)) throw err;
      if (attempt >= attempts)
        throw new Error(
          `${what}: a port was taken by another process at each of ${attempts} tries (${(err as Error).message.split('\n')[0]})`,
          { cause: err },
        );
    }
  }
}
