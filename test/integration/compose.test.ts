/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine (product.md §8): Debian's
 * docker-compose (v1, installed by scripts/install-system-deps.sh) validates and resolves the
 * file, and the resolved configuration is checked for the facts the stack depends on.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

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
}
type Resolved = { services: Record<string, Service> };

let dir = '';
let emptyEnvFile = '';

/** Runs docker-compose on our file with none of the caller's settings leaking in (env or .env). */
function compose(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(IM_|TEMPORAL_|FRIEND_IMPORT_|POSTGRES_|CODEC_|COMPOSE_)/.test(k),
    ),
  );
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', '--env-file', emptyEnvFile, ...args], {
    cwd: root,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** The resolved configuration as data (docker-compose v1 prints YAML; its own PyYAML reads it). */
function resolved(profiles: string[] = [], env: Record<string, string> = {}): Resolved {
  const r = compose([...profiles.flatMap((p) => ['--profile', p]), 'config'], env);
  assert.equal(r.status, 0, r.stderr);
  const json = spawnSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: r.stdout, encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(json.status, 0, json.stderr);
  return JSON.parse(json.stdout) as Resolved;
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
      const r = compose([...profiles, 'config', '-q']);
      assert.equal(r.status, 0, `config -q ${profiles.join(' ')}: ${r.stderr}`);
    }
  });

  it('has the Temporal stack on PostgreSQL, the UI and the worker; emulator and codec server as profiles', () => {
    const config = resolved(['local', 'codec']);
    assert.deepEqual(Object.keys(config.services).sort(), [
      'codec-server',
      'emulator',
      'postgresql',
      'temporal',
      'temporal-init',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    assert.deepEqual(service(config, 'emulator').profiles, ['local']);
    assert.deepEqual(service(config, 'codec-server').profiles, ['codec']);
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker'])
      assert.equal(service(config, name).profiles, undefined, `${name} always runs`);
    // Pinned images: an explicit version, never `latest`.
    for (const [name, s] of Object.entries(config.services))
      assert.match(s.image ?? '', /^[\w./-]+:\d+\.\d+[\w.-]*$/, `${name} image ${s.image} is pinned`);
    const temporal = service(config, 'temporal');
    assert.equal(temporal.image, 'temporalio/server:1.29.1', 'the server the dev-server tests use');
    assert.equal(temporal.environment?.DB, 'postgres12');
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
    assert.deepEqual(dependsOn('worker'), { 'temporal-init': 'service_completed_successfully' });
    for (const name of ['postgresql', 'temporal', 'emulator', 'codec-server'])
      assert.ok(service(config, name).healthcheck?.test.length, `${name} has a healthcheck`);
  });

  it('registers every search attribute our workflows use, and one task-queue partition', () => {
    const config = resolved();
    const init = (service(config, 'temporal-init').command ?? []).join('\n');
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', TEXT: 'Text', BOOL: 'Bool' };
    for (const key of SEARCH_ATTRIBUTES)
      assert.ok(init.includes(`${key.name}=${cliType[key.type]}`), `${key.name} (${key.type}) is created`);
    assert.match(init, /temporal operator search-attribute create/);
    const schema = (service(config, 'temporal-schema').command ?? []).join('\n');
    const dynamic = String(service(config, 'temporal').environment?.DYNAMIC_CONFIG_FILE_PATH);
    assert.ok(
      schema.includes(dynamic.replace('/etc/temporal/config', '')),
      'the server reads the file it writes',
    );
    assert.match(schema, /matching\.numTaskqueueReadPartitions:\n\s+- value: 1/);
  });

  it('runs the worker and the emulator from our image, configured by TEMPORAL_* and IM_*', () => {
    const config = resolved(['local']);
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

    const emulator = service(config, 'emulator');
    assert.equal(emulator.image, worker.image, 'one image for both');
    assert.equal(emulator.command?.[0], 'emulator');
    const port = emulator.command?.[emulator.command.indexOf('--port') + 1];
    assert.equal(env.IM_BASE_URL, `http://emulator:${port}/`, 'unset IM_BASE_URL means the emulator');
    assert.equal(emulator.environment?.IM_SDKAPPID, env.IM_SDKAPPID, 'emulator and worker share one app');

    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    assert.equal(worker.image, `tim-friend-import:${pkg.version}`);
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
    assert.deepEqual(JSON.parse(entry ?? 'null'), ['node', 'dist/client/cli.js']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    assert.equal(pkg.bin['friend-import'], 'dist/client/cli.js', 'the entrypoint is the package bin');

    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.cache', '.git', '.env', '*.key'])
      assert.ok(ignored.includes(entry), `.dockerignore has ${entry}`);
  });
});
