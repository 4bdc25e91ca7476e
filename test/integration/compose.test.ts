/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: Debian's docker-compose
 * (v1, installed by scripts/install-system-deps.sh) validates and resolves the file, and the
 * resolved configuration is checked for the facts the stack depends on. The Temporal services
 * run the shared files in deploy/temporal/; the pinned server renders its config from them with
 * compose's environment and with the local production-like stack's, and the two must agree on
 * everything but where things run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ensureServerBinaries } from '../../scripts/prod-stack/binaries.js';
import {
  COMPOSE_MOUNT,
  CREATE_NAMESPACE_SCRIPT,
  DEPLOY_DIR,
  DYNAMIC_CONFIG_FILE,
  SERVER_PORT_VARS,
  SETUP_SCHEMA_SCRIPT,
  START_SERVER_SCRIPT,
  serverEnv,
  templateEnvVars,
  type ServerPorts,
} from '../../scripts/prod-stack/settings.js';
import { DEV_DYNAMIC_CONFIG } from '../../cli/stack/devServer.js';
import { SEARCH_ATTRIBUTES } from '../../core/searchAttributes.js';
import { LOCAL_IM_APP } from '../../config/im.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const LOCAL_ENV_FILE = join(root, 'deploy', 'local.env');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
}
type Resolved = { services: Record<string, Service> };

let dir = '';
let emptyEnvFile = '';

/** Runs docker-compose on our file with none of the caller's settings leaking in (env or .env). */
function compose(args: string[], env: Record<string, string> = {}, envFile = emptyEnvFile) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(IM_|TEMPORAL_|FRIEND_IMPORT_|POSTGRES_|CODEC_|COMPOSE_|AWS_|WORKER_)/.test(k),
    ),
  );
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', '--env-file', envFile, ...args], {
    cwd: root,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** The resolved configuration as data (docker-compose v1 prints YAML; its own PyYAML reads it). */
function resolved(profiles: string[] = [], env: Record<string, string> = {}, envFile?: string): Resolved {
  const r = compose([...profiles.flatMap((p) => ['--profile', p]), 'config'], env, envFile);
  assert.equal(r.status, 0, r.stderr);
  return yamlOf(r.stdout) as Resolved;
}

/** YAML as data, read by the PyYAML docker-compose brings along. */
function yamlOf(text: string): unknown {
  const json = spawnSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: text, encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(json.status, 0, json.stderr);
  return JSON.parse(json.stdout) as unknown;
}

function yamlFile(path: string): unknown {
  return yamlOf(readFileSync(path, 'utf8'));
}

interface RenderedConfig {
  persistence: {
    numHistoryShards: number;
    datastores: Record<
      string,
      { sql?: { pluginName: string; connectAddr: string } & Record<string, unknown> }
    >;
  } & Record<string, unknown>;
  global: {
    membership: { broadcastAddress: string };
    metrics: { prometheus: { listenAddress: string } & Record<string, unknown> } & Record<string, unknown>;
  };
  services: Record<string, { rpc: { grpcPort: number; bindOnIP: string } }>;
  clusterMetadata: Record<string, unknown>;
  dynamicConfigClient: { filepath: string };
  archival: unknown;
}

/** The config the pinned server loads from deploy/temporal with exactly `env` (its own renderer). */
function renderConfig(server: string, env: Record<string, string>): RenderedConfig {
  const r = spawnSync(server, ['--root', '.', '--config', 'config', '--env', 'production', 'render-config'], {
    cwd: DEPLOY_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return yamlOf(r.stdout) as RenderedConfig;
}

function service(config: Resolved, name: string): Service {
  const s = config.services[name];
  assert.ok(s, `service ${name} is defined`);
  return s;
}

describe('docker-compose.yml and Dockerfile', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'compose-'));
    emptyEnvFile = join(dir, 'empty.env');
    writeFileSync(emptyEnvFile, '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is valid for docker-compose, with and without the optional profiles', (t) => {
    const version = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
    assert.equal(version.status, 0, 'docker-compose is missing: run bash scripts/install-system-deps.sh');
    t.diagnostic(`docker-compose ${version.stdout.trim()}`);
    for (const profiles of [[], ['--profile', 'local'], ['--profile', 'local', '--profile', 'codec']]) {
      const r = compose([...profiles, 'config', '-q'], {}, profiles.length > 0 ? LOCAL_ENV_FILE : undefined);
      assert.equal(r.status, 0, `config -q ${profiles.join(' ')}: ${r.stderr}`);
    }
  });

  it('has the Temporal stack on PostgreSQL, the UI and the worker; emulator and codec server as profiles', () => {
    const config = resolved(['local', 'codec']);
    assert.deepEqual(Object.keys(config.services).sort(), [
      'codec-server',
      'emulator',
      'objectstore',
      'objectstore-init',
      'postgresql',
      'temporal',
      'temporal-init',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    assert.deepEqual(service(config, 'emulator').profiles, ['local']);
    assert.deepEqual(service(config, 'codec-server').profiles, ['codec']);
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'objectstore', 'worker'])
      assert.equal(service(config, name).profiles, undefined, `${name} always runs`);
    // Pinned images: an explicit version, never `latest`.
    for (const [name, s] of Object.entries(config.services))
      assert.match(s.image ?? '', /^[\w./-]+:\d+\.\d+[\w.-]*$/, `${name} image ${s.image} is pinned`);
    const temporal = service(config, 'temporal');
    assert.equal(temporal.image, 'temporalio/server:1.29.1', 'the server the dev-server tests use');
    assert.equal(temporal.environment?.POSTGRES_SEEDS, 'postgresql');
  });

  it('starts each service only when what it needs is ready', () => {
    const config = resolved(['local', 'codec']);
    const dependsOn = (name: string) =>
      Object.fromEntries(
        Object.entries(service(config, name).depends_on ?? {}).map(([k, v]) => [k, v.condition]),
      );
    assert.deepEqual(dependsOn('temporal-schema'), { postgresql: 'service_healthy' });
    assert.deepEqual(dependsOn('temporal'), { 'temporal-schema': 'service_completed_successfully' });
    assert.deepEqual(dependsOn('temporal-init'), { temporal: 'service_healthy' });
    assert.deepEqual(dependsOn('temporal-ui'), { temporal: 'service_healthy' });
    assert.deepEqual(dependsOn('objectstore-init'), { objectstore: 'service_healthy' });
    assert.deepEqual(dependsOn('worker'), {
      'temporal-init': 'service_completed_successfully',
      'objectstore-init': 'service_completed_successfully',
    });
    for (const name of ['postgresql', 'temporal', 'objectstore', 'emulator', 'codec-server'])
      assert.ok(service(config, name).healthcheck?.test.length, `${name} has a healthcheck`);
  });

  it('runs the Temporal services on the shared files in deploy/temporal', () => {
    const config = resolved();
    const scripts: Record<string, string> = {
      'temporal-schema': SETUP_SCHEMA_SCRIPT,
      temporal: START_SERVER_SCRIPT,
      'temporal-init': CREATE_NAMESPACE_SCRIPT,
    };
    for (const [name, script] of Object.entries(scripts)) {
      const s = service(config, name);
      assert.deepEqual(s.volumes, [`${DEPLOY_DIR}:${COMPOSE_MOUNT}:ro`], `${name} mounts deploy/temporal`);
      assert.deepEqual(
        s.entrypoint,
        ['/bin/sh', `${COMPOSE_MOUNT}/${basename(script)}`],
        `${name} runs ${script}`,
      );
      assert.equal(s.command, undefined, `${name} has no command of its own`);
      assert.ok(existsSync(script), `${script} exists`);
    }
    // Nothing else configures the server: no config or dynamic config of the image's own.
    const env = service(config, 'temporal').environment ?? {};
    const read = templateEnvVars();
    for (const key of Object.keys(env)) assert.ok(read.includes(key), `the server config reads ${key}`);
    assert.equal(env.DYNAMIC_CONFIG_FILE_PATH, undefined, 'the shared dynamic config, not another');
  });

  it('registers every search attribute our workflows use, and one task-queue partition', () => {
    const init = readFileSync(CREATE_NAMESPACE_SCRIPT, 'utf8');
    const listed = /for attr in ([^;]+);/.exec(init)?.[1]?.trim().split(/\s+/) ?? [];
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', TEXT: 'Text', BOOL: 'Bool' };
    assert.deepEqual(
      listed.sort(),
      SEARCH_ATTRIBUTES.map((key) => `${key.name}=${cliType[key.type]}`).sort(),
      'exactly the attributes core/searchAttributes.ts defines',
    );
    assert.match(init, /"\$cli" operator search-attribute create/);

    const dynamic = yamlFile(DYNAMIC_CONFIG_FILE) as Record<string, { value: unknown }[]>;
    assert.deepEqual(dynamic, {
      'matching.numTaskqueueReadPartitions': [{ value: 1 }],
      'matching.numTaskqueueWritePartitions': [{ value: 1 }],
    });
    // The dev server the other tests use runs with the same values.
    assert.deepEqual(
      Object.fromEntries(Object.entries(dynamic).map(([k, v]) => [k, v[0]?.value])),
      DEV_DYNAMIC_CONFIG,
    );
  });

  it('renders the same server config for compose and for the local stack, but for where things run', async () => {
    const binaries = await ensureServerBinaries();
    const config = resolved();
    const temporal = service(config, 'temporal');
    const composeEnv = Object.fromEntries(
      Object.entries(temporal.environment ?? {}).map(([k, v]) => [k, String(v)]),
    );
    // start-server.sh adds the container's address (checked below), as it does in the container.
    const inCompose = renderConfig(binaries.server, {
      ...composeEnv,
      TEMPORAL_BROADCAST_ADDRESS: '172.18.0.5',
    });
    const ports = Object.fromEntries(SERVER_PORT_VARS.map((name, i) => [name, 21_000 + i])) as ServerPorts;
    const localEnv = serverEnv({
      postgres: { host: '127.0.0.1', port: 45432, user: 'temporal', password: 'temporal' },
      ports,
      metricsAddress: '127.0.0.1:48000',
      binary: binaries.server,
      logLevel: 'warn',
    });
    const local = renderConfig(binaries.server, localEnv);
    const read = templateEnvVars();
    for (const key of Object.keys(localEnv).filter((k) => !['PATH', 'TEMPORAL_SERVER'].includes(k)))
      assert.ok(read.includes(key), `the server config reads ${key}`);

    const store = (c: RenderedConfig, name: string) => c.persistence.datastores[name]?.sql;
    assert.equal(store(inCompose, 'default')?.connectAddr, `postgresql:${composeEnv.DB_PORT}`);
    assert.equal(store(local, 'default')?.connectAddr, '127.0.0.1:45432');
    const published = (temporal.ports ?? [])
      .map((p) => /:(\d+)\/tcp$|:(\d+)$/.exec(p))
      .map((m) => m?.[1] ?? m?.[2]);
    assert.deepEqual(
      published,
      [String(inCompose.services.frontend?.rpc.grpcPort)],
      'the port compose publishes',
    );
    assert.equal(inCompose.services.frontend?.rpc.bindOnIP, '0.0.0.0');
    assert.equal(inCompose.global.membership.broadcastAddress, '172.18.0.5');
    assert.equal(local.services.frontend?.rpc.bindOnIP, '127.0.0.1');
    assert.equal(local.services.frontend?.rpc.grpcPort, ports.FRONTEND_GRPC_PORT);
    const metricsPort = inCompose.global.metrics.prometheus.listenAddress.split(':')[1];
    assert.deepEqual(temporal.expose, [metricsPort], 'compose exposes the metrics port');

    // Everything else is the same: stores, shards, connection pools, metrics, dynamic config.
    const shared = (c: RenderedConfig) => ({
      persistence: {
        ...c.persistence,
        datastores: Object.fromEntries(
          Object.entries(c.persistence.datastores).map(([k, v]) => [
            k,
            { ...v, sql: { ...v.sql, connectAddr: '' } },
          ]),
        ),
      },
      metrics: { ...c.global.metrics, prometheus: { ...c.global.metrics.prometheus, listenAddress: '' } },
      dynamicConfigClient: c.dynamicConfigClient,
      archival: c.archival,
      clusterMetadata: { ...c.clusterMetadata, clusterInformation: {} },
      services: Object.keys(c.services).sort(),
    });
    assert.deepEqual(shared(local), shared(inCompose));
    assert.equal(inCompose.persistence.numHistoryShards, 4);
    for (const name of ['default', 'visibility'])
      assert.equal(store(inCompose, name)?.pluginName, 'postgres12');
    assert.equal(inCompose.dynamicConfigClient.filepath, 'dynamicconfig/production.yaml');
    assert.equal(join(DEPLOY_DIR, inCompose.dynamicConfigClient.filepath), DYNAMIC_CONFIG_FILE);
  });

  it('start-server.sh starts the server in deploy/temporal, with the container address when bound to all', () => {
    const fake = join(dir, 'fake-server');
    writeFileSync(
      fake,
      '#!/bin/sh\necho "cwd=$(pwd)"\necho "args=$*"\necho "broadcast=${TEMPORAL_BROADCAST_ADDRESS:-}"\n',
      { mode: 0o755 },
    );
    const start = (env: Record<string, string>): Record<string, string> => {
      const r = spawnSync('sh', [START_SERVER_SCRIPT], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TEMPORAL_SERVER: fake, ...env },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      return Object.fromEntries(
        r.stdout
          .trim()
          .split('\n')
          .map((l): [string, string] => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    };
    const all = start({ BIND_ON_IP: '0.0.0.0' });
    assert.equal(all.cwd, DEPLOY_DIR);
    assert.equal(all.args, '--root . --config config --env production --allow-no-auth start');
    assert.match(all.broadcast ?? '', /^[\d.]+$|^[\da-f:]+$/i, 'an address of this host');
    assert.equal(start({ BIND_ON_IP: '127.0.0.1' }).broadcast, '', 'loopback needs none');
  });

  it('runs the worker and the emulator from our image, configured by TEMPORAL_* and IM_*', () => {
    const config = resolved(['local'], {}, LOCAL_ENV_FILE);
    const worker = service(config, 'worker');
    assert.deepEqual(worker.build, { context: root.replace(/\/$/, ''), dockerfile: 'Dockerfile' });
    assert.deepEqual(worker.command, ['worker']);
    const env = worker.environment ?? {};
    assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(env.TEMPORAL_NAMESPACE, 'default');
    assert.equal(env.TEMPORAL_TASK_QUEUE, 'friend-import');
    for (const name of [
      'IM_BASE_URL',
      'IM_SDKAPPID',
      'IM_ADMIN_IDENTIFIER',
      'IM_SECRET_KEY',
      'IM_RATE_LIMIT',
    ])
      assert.ok(name in env, `worker has ${name}`);
    // The app coordinator shares IM_RATE_LIMIT among the replicas: no per-worker split to set.
    assert.ok(!('WORKER_CALLS_PER_SECOND' in env), 'no per-worker rate setting');
    // Jobs read and write only under /data, the folder the image makes for them (Dockerfile).
    assert.equal(env.WORKER_FILE_ROOTS, '/data');
    assert.match(readFileSync(join(root, 'Dockerfile'), 'utf8'), /RUN mkdir -p \/data/);

    const emulator = service(config, 'emulator');
    assert.equal(emulator.image, worker.image, 'one image for both');
    assert.equal(emulator.command?.[0], 'emulator');
    const port = emulator.command?.[emulator.command.indexOf('--port') + 1];
    assert.equal(env.IM_BASE_URL, `http://emulator:${port}/`, 'deploy/local.env points at the emulator');
    assert.equal(emulator.environment?.IM_SDKAPPID, env.IM_SDKAPPID, 'emulator and worker share one app');

    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    assert.equal(worker.image, `tim-friend-import:${pkg.version}`);
  });

  it("gives the worker no IM app of its own: without settings it has none, not the emulator's", () => {
    const env = service(resolved([]), 'worker').environment ?? {};
    for (const name of ['IM_BASE_URL', 'IM_SDKAPPID', 'IM_ADMIN_IDENTIFIER', 'IM_SECRET_KEY'])
      assert.equal(env[name], '', `${name} is empty until set: the worker stops and names it`);
    assert.ok(
      !readFileSync(join(root, 'docker-compose.yml'), 'utf8').includes(LOCAL_IM_APP.secretKey),
      "the emulator's public key is only in deploy/local.env",
    );
    // deploy/local.env is the emulator's app, the one `dev` and `emulator` use.
    const local = Object.fromEntries(
      readFileSync(LOCAL_ENV_FILE, 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.deepEqual(
      [local.IM_SDKAPPID, local.IM_ADMIN_IDENTIFIER, local.IM_SECRET_KEY],
      [String(LOCAL_IM_APP.sdkAppId), LOCAL_IM_APP.adminIdentifier, LOCAL_IM_APP.secretKey],
    );
  });

  it('runs an S3-compatible store on its own keys and hands it to the worker', () => {
    const config = resolved(['local'], {}, LOCAL_ENV_FILE);
    const store = service(config, 'objectstore');
    const init = service(config, 'objectstore-init');
    const worker = service(config, 'worker').environment ?? {};
    assert.match(store.image ?? '', /^chrislusf\/seaweedfs:/);
    assert.equal(init.image, store.image, 'the init runs the same weed');
    const flag = (name: string) =>
      store.command?.find((a) => a.startsWith(`-${name}=`))?.slice(name.length + 2);
    assert.equal(store.command?.[0], 'server');
    assert.ok(store.command?.includes('-s3'), 'with its S3 gateway');
    assert.equal(flag('master.telemetry'), 'false', 'no usage reports leave the machine');
    // A config file that names no identity: only the AWS_* pair gets in, nothing anonymous.
    const mount = store.volumes?.find((v) => v.endsWith(`:${flag('s3.config')}:ro`));
    assert.ok(mount, `the store mounts its -s3.config file read-only: ${store.volumes?.join(', ')}`);
    assert.deepEqual(JSON.parse(readFileSync(mount.split(':')[0] ?? '', 'utf8')), { identities: [] });
    assert.deepEqual(store.ports, [`127.0.0.1:${flag('s3.port')}:${flag('s3.port')}/tcp`], 'loopback only');

    assert.equal(worker.AWS_ENDPOINT_URL, `http://objectstore:${flag('s3.port')}`);
    assert.equal(worker.AWS_REGION, 'us-east-1');
    assert.equal(
      worker.WORKER_OBJECT_ROOTS,
      `s3://${init.environment?.BUCKET}`,
      'the bucket the init creates',
    );
    // One key pair for both, from the env file: what the store accepts is what the worker sends.
    assert.equal(worker.AWS_ACCESS_KEY_ID, store.environment?.AWS_ACCESS_KEY_ID);
    assert.equal(worker.AWS_SECRET_ACCESS_KEY, store.environment?.AWS_SECRET_ACCESS_KEY);
    assert.ok(worker.AWS_SECRET_ACCESS_KEY, 'deploy/local.env sets the local pair');
    assert.match(String(init.entrypoint?.join(' ')), /s3\.bucket\.create -name \$\$BUCKET/);

    // Without settings the keys are empty (the store then refuses everything), never a default.
    const bare = resolved([]);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      assert.equal(service(bare, 'objectstore').environment?.[name], '', `store ${name} is empty until set`);
      assert.equal(service(bare, 'worker').environment?.[name], '', `worker ${name} is empty until set`);
    }
    assert.ok(
      !readFileSync(join(root, 'docker-compose.yml'), 'utf8').includes('local-object-store-secret'),
      'the local pair is only in deploy/local.env',
    );
    // Another store: the worker follows AWS_ENDPOINT_URL.
    const cos = resolved([], {
      AWS_ENDPOINT_URL: 'https://cos.ap-singapore.myqcloud.com',
      AWS_REGION: 'ap-singapore',
      WORKER_OBJECT_ROOTS: 's3://exports-1250000000/friends',
    });
    const cosWorker = service(cos, 'worker').environment ?? {};
    assert.equal(cosWorker.AWS_ENDPOINT_URL, 'https://cos.ap-singapore.myqcloud.com');
    assert.equal(cosWorker.AWS_REGION, 'ap-singapore');
    assert.equal(cosWorker.WORKER_OBJECT_ROOTS, 's3://exports-1250000000/friends');
  });

  it('takes production settings from the environment', () => {
    const config = resolved([], {
      IM_BASE_URL: '',
      IM_REGION: 'singapore',
      IM_SDKAPPID: '1400123456',
      TEMPORAL_NAMESPACE: 'imports',
      FRIEND_IMPORT_CODEC_KEYS: 'k1:abc',
    });
    const env = service(config, 'worker').environment ?? {};
    assert.equal(env.IM_BASE_URL, '', 'an empty IM_BASE_URL stays empty so IM_REGION applies');
    assert.equal(env.IM_REGION, 'singapore');
    assert.equal(String(env.IM_SDKAPPID), '1400123456');
    assert.equal(env.TEMPORAL_NAMESPACE, 'imports');
    assert.equal(env.FRIEND_IMPORT_CODEC_KEYS, 'k1:abc');
    assert.equal(
      service(config, 'temporal-init').environment?.NAMESPACE,
      'imports',
      'init uses the same namespace',
    );
  });

  it('builds the image with npm ci and npm run build, and runs the CLI', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    assert.ok(froms.length > 0 && froms.every((f) => /^node:20\.\d+\.\d+-/.test(f ?? '')), froms.join(', '));
    assert.match(dockerfile, /^RUN npm ci\b/m);
    assert.match(dockerfile, /^RUN npm run build\b/m);
    const entry = /^ENTRYPOINT\s+(\[.*\])$/m.exec(dockerfile)?.[1];
    assert.deepEqual(JSON.parse(entry ?? 'null'), ['node', 'dist/cli/main.js']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    assert.equal(pkg.bin['friend-import'], 'dist/cli/main.js', 'the entrypoint is the package bin');

    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.cache', '.git', '.env', '*.key'])
      assert.ok(ignored.includes(entry), `.dockerignore has ${entry}`);
  });
});
