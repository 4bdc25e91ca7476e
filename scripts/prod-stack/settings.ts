/**
 * The one place the production Temporal settings live: `deploy/temporal/`. docker-compose.yml
 * mounts that folder into its Temporal containers and this harness runs the same files, so the
 * two cannot drift:
 *
 *   config/production.yaml         the server config (persistence, metrics, ports, dynamic config)
 *   dynamicconfig/production.yaml  the dynamic config (one task-queue partition)
 *   start-server.sh                how the server is started
 *   setup-schema.sh                databases and schemas
 *   create-namespace.sh            the namespace and our search attributes
 *
 * What differs is only where things run, which the server config reads from the environment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../cli/stack/temporalCli.js';

export const DEPLOY_DIR = join(projectRoot, 'deploy', 'temporal');
export const SERVER_CONFIG_FILE = join(DEPLOY_DIR, 'config', 'production.yaml');
export const DYNAMIC_CONFIG_FILE = join(DEPLOY_DIR, 'dynamicconfig', 'production.yaml');
export const START_SERVER_SCRIPT = join(DEPLOY_DIR, 'start-server.sh');
export const SETUP_SCHEMA_SCRIPT = join(DEPLOY_DIR, 'setup-schema.sh');
export const CREATE_NAMESPACE_SCRIPT = join(DEPLOY_DIR, 'create-namespace.sh');
/** Where docker-compose.yml mounts DEPLOY_DIR in its Temporal containers. */
export const COMPOSE_MOUNT = '/etc/temporal/friend-import';

/** The server's ports besides the metrics listener, each read by config/production.yaml. */
export const SERVER_PORT_VARS = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;
export type ServerPorts = Record<(typeof SERVER_PORT_VARS)[number], number>;

/** The environment variables a templated config reads (`env "NAME"`). */
export function templateEnvVars(text: string = readFileSync(SERVER_CONFIG_FILE, 'utf8')): string[] {
  return [...new Set([...text.matchAll(/\benv\s+"([A-Z0-9_]+)"/g)].map((m) => m[1] ?? ''))].sort();
}

/** The top-level keys a dynamic-config file sets. */
export function dynamicConfigKeys(text: string = readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')): string[] {
  return [...text.matchAll(/^([A-Za-z][\w.]*):/gm)].map((m) => m[1] ?? '');
}

/**
 * The shared dynamic config with test-only keys appended. Keys the shared file sets are refused:
 * those are production settings, changed in the file itself or not at all.
 */
export function dynamicConfigWithExtras(extra: Record<string, string | number | boolean>): string {
  const shared = readFileSync(DYNAMIC_CONFIG_FILE, 'utf8');
  const taken = new Set(dynamicConfigKeys(shared));
  const clashes = Object.keys(extra).filter((k) => taken.has(k));
  if (clashes.length > 0)
    throw new Error(
      `dynamic config ${clashes.join(', ')} is a production setting: change ${DYNAMIC_CONFIG_FILE} instead`,
    );
  const lines = Object.entries(extra).map(([k, v]) => `${k}:\n  - value: ${JSON.stringify(v)}\n`);
  return `${shared.trimEnd()}\n\n# Added by the local production-like stack for one run:\n${lines.join('')}`;
}

export interface ServerEnvOptions {
  postgres: { host: string; port: number; user: string; password: string };
  ports: ServerPorts;
  metricsAddress: string;
  binary: string;
  logLevel: string;
  /** A dynamic-config file other than the shared one (see dynamicConfigWithExtras). */
  dynamicConfigFile?: string;
}

/**
 * The whole environment of the local server process: nothing leaks in from ours, so the config
 * renders from exactly these values (as in the container, where compose sets them).
 */
export function serverEnv(o: ServerEnvOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TEMPORAL_SERVER: o.binary,
    POSTGRES_SEEDS: o.postgres.host,
    DB_PORT: String(o.postgres.port),
    POSTGRES_USER: o.postgres.user,
    POSTGRES_PWD: o.postgres.password,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_METRICS_ADDRESS: o.metricsAddress,
    LOG_LEVEL: o.logLevel,
    ...Object.fromEntries(Object.entries(o.ports).map(([k, v]) => [k, String(v)])),
    ...(o.dynamicConfigFile ? { DYNAMIC_CONFIG_FILE_PATH: o.dynamicConfigFile } : {}),
  };
}
