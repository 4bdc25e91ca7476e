/**
 * Temporal connections from the settings in config/temporal.ts: the client's, the worker's, and a
 * quick check that the address answers at all.
 */
import { Client, Connection, type ConnectionOptions, type DataConverter } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { connect as connectTcp } from 'node:net';
import { ADDRESS, type TemporalSettings } from '../config/temporal.js';
import type { Env } from '../config/env.js';

// The settings themselves are read in config/ (one rule for every variable); the library exposes them.
export {
  describeTemporalSettings,
  loadTemporalSettings,
  TEMPORAL_DEFAULTS,
  type TemporalSettings,
} from '../config/temporal.js';

/** TLS in the SDK's shape: `undefined` = plaintext, `{}` = TLS with system roots. */
function tlsConfig(s: TemporalSettings): ConnectionOptions['tls'] {
  if (!s.tls) return undefined;
  return {
    ...(s.tls.serverName && { serverNameOverride: s.tls.serverName }),
    ...(s.tls.ca && { serverRootCACertificate: s.tls.ca.pem }),
    ...(s.tls.clientCert && {
      clientCertPair: { crt: s.tls.clientCert.cert.pem, key: s.tls.clientCert.key.pem },
    }),
  };
}

/** Options for `Connection.connect` (@temporalio/client). */
export function clientConnectionOptions(s: TemporalSettings): ConnectionOptions {
  return {
    address: s.address,
    ...(s.tls && { tls: tlsConfig(s) }),
    ...(s.apiKey && { apiKey: s.apiKey }),
  };
}

/** Options for `NativeConnection.connect` (@temporalio/worker), the worker's connection. */
export function nativeConnectionOptions(s: TemporalSettings): NativeConnectionOptions {
  return {
    address: s.address,
    ...(s.tls && { tls: tlsConfig(s) }),
    ...(s.apiKey && { apiKey: s.apiKey }),
  };
}

/**
 * Connects a client to the configured namespace. The caller closes `connection` when done: an
 * open connection keeps the process alive.
 */
export async function connectClient(
  s: TemporalSettings,
  options: { dataConverter?: DataConverter } = {},
): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(clientConnectionOptions(s));
  const client = new Client({
    connection,
    namespace: s.namespace,
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
  });
  return { client, connection };
}

/** `host:port` (a bracketed IPv6 literal allowed; no port means Temporal's 7233) as host and port. */
export function splitAddress(address: string): { host: string; port: number } {
  const match = ADDRESS.exec(address.trim());
  const host = match?.[1] ?? address;
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port: Number(match?.[4] ?? 7233) };
}

/** The variables through which gRPC reaches the server by way of a proxy, not directly. */
const PROXY_VARIABLES = [
  'grpc_proxy',
  'https_proxy',
  'http_proxy',
  'GRPC_PROXY',
  'HTTPS_PROXY',
  'HTTP_PROXY',
];

/**
 * Whether anything accepts a TCP connection at the frontend's address: undefined when something
 * does, else why not in a few words (`connection refused`, `unknown host`, `no answer within 2.5 s`).
 * The client's own connect waits 10 s before it gives up on a closed port; this tells in well under
 * a second (or `timeoutMs` when nothing answers at all), and leaves the client its whole deadline
 * for a slow TLS handshake once something listens. With a gRPC proxy configured the server is not
 * reached directly, so it answers undefined and lets the client try.
 */
export async function probeAddress(
  address: string,
  timeoutMs: number,
  env: Env = process.env,
): Promise<string | undefined> {
  if (PROXY_VARIABLES.some((name) => env[name])) return undefined;
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port });
    const done = (why: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs / 1_000} s`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const why: Record<string, string> = {
        ECONNREFUSED: 'connection refused',
        ENOTFOUND: 'unknown host',
        EAI_AGAIN: 'the host name could not be resolved',
        EHOSTUNREACH: 'host unreachable',
        ENETUNREACH: 'network unreachable',
        ETIMEDOUT: 'connection timed out',
      };
      done(why[err.code ?? ''] ?? err.code ?? err.message);
    });
  });
}
