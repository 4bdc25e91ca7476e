/**
 * Temporal connection settings (docs/configuration.md) for a self-hosted cluster or Temporal
 * Cloud: read from the environment and validated once at start-up, with errors that name the
 * variable. TLS files are read here, so a wrong path fails the process before it connects, not at
 * the first call. The client library, the CLI and the worker connect with the same settings.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseEnv, SettingsError, type Env } from './env.js';

export const TEMPORAL_DEFAULTS = {
  address: '127.0.0.1:7233',
  namespace: 'default',
  taskQueue: 'friend-import',
} as const;

/** A PEM file as read at start-up; the path is for messages, the bytes go to the connection. */
interface PemFile {
  path: string;
  pem: Buffer;
}

interface TemporalTlsSettings {
  /** SNI / host-name check override, for a proxy in front of the frontend. */
  serverName?: string;
  /** Private CA; without it the system's trusted roots verify the server (Temporal Cloud). */
  ca?: PemFile;
  /** mTLS client identity. */
  clientCert?: { cert: PemFile; key: PemFile };
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Absent: plaintext gRPC (a local or in-cluster server). */
  tls?: TemporalTlsSettings;
  /** Temporal Cloud API key, sent as `Authorization: Bearer …`. Never log it. */
  apiKey?: string;
  /** Variables that were unset and took their default, so start-up logs can say so. */
  defaulted: string[];
}

// host:port, a bracketed IPv6 literal allowed; the port may be left to the SDK's 7233.
export const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:(\d{1,5}))?$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const BOOL: Record<string, boolean> = {
  true: true,
  '1': true,
  yes: true,
  false: false,
  '0': false,
  no: false,
};

const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .trim()
    .refine((v) => {
      const port = ADDRESS.exec(v)?.[4];
      return ADDRESS.test(v) && (port === undefined || (Number(port) >= 1 && Number(port) <= 65535));
    }, 'TEMPORAL_ADDRESS must be host:port, e.g. 127.0.0.1:7233 or my-ns.a1b2c.tmprl.cloud:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z
    .string()
    .trim()
    .regex(/^\S+$/, 'TEMPORAL_NAMESPACE must be one word without spaces')
    .optional(),
  TEMPORAL_TASK_QUEUE: z
    .string()
    .trim()
    .regex(/^\S+$/, 'TEMPORAL_TASK_QUEUE must be one word without spaces')
    .optional(),
  TEMPORAL_TLS: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => v in BOOL, 'TEMPORAL_TLS must be true or false')
    .transform((v) => BOOL[v] === true)
    .optional(),
  TEMPORAL_TLS_CA: z.string().trim().optional(),
  TEMPORAL_TLS_CERT: z.string().trim().optional(),
  TEMPORAL_TLS_KEY: z.string().trim().optional(),
  TEMPORAL_TLS_SERVER_NAME: z
    .string()
    .trim()
    .regex(HOSTNAME, 'TEMPORAL_TLS_SERVER_NAME must be a host name')
    .optional(),
  TEMPORAL_API_KEY: z.string().trim().min(1).optional(),
});

type Kind = 'certificate' | 'private key';

/** Reads a PEM file and checks it really holds what the variable promises; returns a problem or the file. */
function readPem(name: string, path: string, kind: Kind): PemFile | string {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return `${name}: cannot read ${path} (${code})`;
  }
  try {
    // Parsing, not a regex: a truncated or DER file must fail here rather than in the TLS handshake.
    if (kind === 'certificate') new X509Certificate(pem);
    else createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    const what = kind === 'certificate' ? 'a PEM certificate' : 'an unencrypted PEM private key';
    return `${name}: ${path} is not ${what}`;
  }
  return { path, pem };
}

/**
 * Reads the Temporal settings from `env`. Unset address, namespace and task queue take the
 * defaults above (listed in `defaulted`); TLS is on when TEMPORAL_TLS=true or when any TLS file,
 * server name or API key is given. Every problem is reported at once in a {@link SettingsError}.
 */
export function loadTemporalSettings(env: Env): TemporalSettings {
  const e = parseEnv(EnvSchema, env);
  const problems: string[] = [];

  if (e.TEMPORAL_TLS_CERT && !e.TEMPORAL_TLS_KEY)
    problems.push('TEMPORAL_TLS_KEY is required with TEMPORAL_TLS_CERT (mTLS needs both)');
  if (e.TEMPORAL_TLS_KEY && !e.TEMPORAL_TLS_CERT)
    problems.push('TEMPORAL_TLS_CERT is required with TEMPORAL_TLS_KEY (mTLS needs both)');
  const tlsImpliedBy = (
    [
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_SERVER_NAME',
      'TEMPORAL_API_KEY',
    ] as const
  ).filter((k) => e[k] !== undefined);
  if (e.TEMPORAL_TLS === false && tlsImpliedBy.length > 0)
    problems.push(`TEMPORAL_TLS=false contradicts ${tlsImpliedBy.join(', ')}, which need TLS`);

  const ca = e.TEMPORAL_TLS_CA ? readPem('TEMPORAL_TLS_CA', e.TEMPORAL_TLS_CA, 'certificate') : undefined;
  const cert = e.TEMPORAL_TLS_CERT
    ? readPem('TEMPORAL_TLS_CERT', e.TEMPORAL_TLS_CERT, 'certificate')
    : undefined;
  const key = e.TEMPORAL_TLS_KEY ? readPem('TEMPORAL_TLS_KEY', e.TEMPORAL_TLS_KEY, 'private key') : undefined;
  for (const r of [ca, cert, key]) if (typeof r === 'string') problems.push(r);
  if (typeof cert === 'object' && typeof key === 'object' && !certMatchesKey(cert, key))
    problems.push(
      `TEMPORAL_TLS_KEY (${key.path}) is not the private key of TEMPORAL_TLS_CERT (${cert.path})`,
    );
  if (problems.length > 0) throw new SettingsError(problems);

  const useTls = e.TEMPORAL_TLS === true || tlsImpliedBy.length > 0;
  const defaulted = (
    [
      ['TEMPORAL_ADDRESS', e.TEMPORAL_ADDRESS],
      ['TEMPORAL_NAMESPACE', e.TEMPORAL_NAMESPACE],
      ['TEMPORAL_TASK_QUEUE', e.TEMPORAL_TASK_QUEUE],
    ] as const
  )
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  return {
    address: e.TEMPORAL_ADDRESS ?? TEMPORAL_DEFAULTS.address,
    namespace: e.TEMPORAL_NAMESPACE ?? TEMPORAL_DEFAULTS.namespace,
    taskQueue: e.TEMPORAL_TASK_QUEUE ?? TEMPORAL_DEFAULTS.taskQueue,
    ...(useTls && {
      tls: {
        ...(e.TEMPORAL_TLS_SERVER_NAME && { serverName: e.TEMPORAL_TLS_SERVER_NAME }),
        ...(typeof ca === 'object' && { ca }),
        ...(typeof cert === 'object' && typeof key === 'object' && { clientCert: { cert, key } }),
      },
    }),
    ...(e.TEMPORAL_API_KEY && { apiKey: e.TEMPORAL_API_KEY }),
    defaulted,
  };
}

function certMatchesKey(cert: PemFile, key: PemFile): boolean {
  return new X509Certificate(cert.pem).checkPrivateKey(createPrivateKey(key.pem));
}

/** The settings as safe-to-log plain data: file paths, never key material or the API key. */
export function describeTemporalSettings(s: TemporalSettings): Record<string, unknown> {
  return {
    address: s.address,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    tls: s.tls
      ? {
          serverName: s.tls.serverName,
          ca: s.tls.ca?.path ?? 'system roots',
          clientCert: s.tls.clientCert?.cert.path,
          clientKey: s.tls.clientCert?.key.path,
        }
      : false,
    apiKey: s.apiKey ? '[redacted]' : undefined,
    defaulted: s.defaulted,
  };
}
