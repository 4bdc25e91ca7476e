/**
 * Liveness and readiness for orchestrators: `GET /healthz` answers while the process runs;
 * `GET /readyz` answers 200 only while every worker is RUNNING (503 while starting, draining or
 * stopped), so a SIGTERMed worker drops out of rotation as it drains.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(
  host: string,
  port: number,
  ready: () => { ready: boolean; detail: Record<string, unknown> },
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/healthz') return answer(200, { status: 'alive' });
    if (path === '/readyz') {
      const r = ready();
      return answer(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r.detail });
    }
    answer(404, { error: 'try /healthz or /readyz' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
