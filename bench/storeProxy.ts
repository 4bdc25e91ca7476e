/**
 * A counting pass-through in front of the object store, on loopback: every GET of an object is
 * logged with its byte range, the bytes that went back to the worker and when. The benchmark
 * measures what a page resume really reads from the store this way, on the wire, whatever the
 * worker that read it (a SIGKILLed worker cannot report its own counters).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoreRead {
  /** Path of the object, `/bucket/key` (path-style addressing). */
  path: string;
  /** The requested range's first byte (0 without a Range header). */
  start: number;
  /** Bytes the store sent back. */
  bytes: number;
  /** `performance.now()` when the answer ended. */
  at: number;
}

export interface StoreProxy {
  /** The endpoint to give workers instead of the store's own. */
  endpoint: string;
  reads(): readonly StoreRead[];
  stop(): Promise<void>;
}

const RANGE = /^bytes=(\d+)-/;

export async function startStoreProxy(target: string): Promise<StoreProxy> {
  const upstream = new URL(target);
  const log: StoreRead[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let bytes = 0;
        answer.on('data', (chunk: Buffer) => (bytes += chunk.length));
        answer.on('end', () => {
          const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
          // An object's GET names a key after the bucket; a listing (`GET /bucket?list-type=2`) does not.
          if (req.method === 'GET' && (answer.statusCode ?? 0) < 300 && /^\/[^/]+\/./.test(path))
            log.push({
              path,
              start: Number(RANGE.exec(String(req.headers.range ?? ''))?.[1] ?? 0),
              bytes,
              at: performance.now(),
            });
        });
        answer.pipe(res);
      },
    );
    forward.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(forward);
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    reads: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a resume re-read: the bytes of `path` fetched after `killedAt` that had already been fetched
 * before it (by any worker), and where the reads after the kill began.
 */
export function rereadAfter(
  reads: readonly StoreRead[],
  path: string,
  killedAt: number,
): { reread: number; readBefore: number; firstStartAfter: number | undefined } {
  const before = reads.filter((r) => r.path === path && r.at <= killedAt);
  const after = reads.filter((r) => r.path === path && r.at > killedAt);
  const covered = before.map((r) => [r.start, r.start + r.bytes] as const);
  let reread = 0;
  for (const r of after) {
    // Bytes of this read that some read before the kill had fetched too (ranges may overlap).
    const spans = covered
      .map(([a, b]) => [Math.max(a, r.start), Math.min(b, r.start + r.bytes)] as const)
      .filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    let end = -1;
    for (const [a, b] of spans) {
      const from = Math.max(a, end);
      if (b > from) reread += b - from;
      end = Math.max(end, b);
    }
  }
  return {
    reread,
    readBefore: before.reduce((n, r) => n + r.bytes, 0),
    firstStartAfter: after.length > 0 ? Math.min(...after.map((r) => r.start)) : undefined,
  };
}
