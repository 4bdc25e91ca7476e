/**
 * A real S3-compatible object store on loopback (docs/cli.md, `dev --object-store`): SeaweedFS's
 * `weed server` with its S3 gateway, one identity with keys generated per start, and one bucket.
 * `dev --object-store`, the integration tests and the benchmarks start it through
 * `startObjectStore`. Every port it opens (master, volume, filer, S3 and their gRPC ports) is
 * bound to 127.0.0.1 and chosen by us, and a start that meets a taken port retries with fresh ones
 * (./ports.ts).
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { quietSdkNodeWarning } from '../../formats/storage/client.js';
import { spawnGuarded, tail } from './childProcess.js';
import { freePorts, withFreshPorts } from './ports.js';
import { ensureWeedBinary } from './weedBinary.js';
import { removeSockets, stopGroup } from './weedProcess.js';

export interface ObjectStoreOptions {
  /** Where the store keeps its data; a temporary folder, removed at stop, when absent. */
  dataDir?: string;
  /** The bucket created at start (default `friend-import`). */
  bucket?: string;
  region?: string;
  /** Keys of the store's one identity; random per start when absent. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** How long to wait for the store to take writes (default 90 s). */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ObjectStore {
  /** `http://127.0.0.1:<port>`, the S3 API (AWS_ENDPOINT_URL). */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  dataDir: string;
  pid: number;
  /** Every TCP port the server listens on (all on 127.0.0.1). */
  ports: number[];
  /** Milliseconds from spawn to the bucket taking writes. */
  startupMs: number;
  /** The AWS_* variables a worker or the CLI needs to reach this store. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const DEFAULT_BUCKET = 'friend-import';
const DEFAULT_REGION = 'us-east-1';

/** S3's bucket naming rules, the part a typo breaks. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** An S3 client for `store` (path-style: a loopback endpoint has no bucket subdomains). */
export function objectStoreClient(
  store: Pick<ObjectStore, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
  overrides: Partial<S3ClientConfig> = {},
): S3Client {
  quietSdkNodeWarning();
  return new S3Client({
    endpoint: store.endpoint,
    region: store.region,
    forcePathStyle: true,
    // SeaweedFS checks the classic SigV4 payload hash; the SDK's default CRC32 trailers are optional.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
    ...overrides,
  });
}

export async function startObjectStore(options: ObjectStoreOptions = {}): Promise<ObjectStore> {
  const log = options.log ?? (() => {});
  const bucket = options.bucket ?? DEFAULT_BUCKET;
  if (!BUCKET_NAME.test(bucket))
    throw new Error(
      `object store bucket "${bucket}" is not a valid S3 bucket name (3–63 lowercase letters, digits, dots and hyphens)`,
    );
  const weed = await ensureWeedBinary(log);
  const created = !options.dataDir;
  const dataDir = options.dataDir
    ? resolve(options.dataDir)
    : await mkdtemp(join(tmpdir(), 'friend-import-s3-'));
  await mkdir(dataDir, { recursive: true });
  const keys = {
    accessKeyId: options.accessKeyId ?? `FI${randomBytes(9).toString('hex').toUpperCase()}`,
    secretAccessKey: options.secretAccessKey ?? randomBytes(30).toString('base64url'),
  };
  // The identities file holds the secret: readable by us only, and gone at stop.
  const configFile = join(dataDir, 's3-identities.json');
  await writeFile(
    configFile,
    JSON.stringify({
      identities: [
        {
          name: 'friend-import',
          credentials: [{ accessKey: keys.accessKeyId, secretKey: keys.secretAccessKey }],
          actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
        },
      ],
    }),
    { mode: 0o600 },
  );
  const removeState = async (): Promise<void> => {
    await (created ? rm(dataDir, { recursive: true, force: true }) : rm(configFile, { force: true }));
  };
  try {
    return await withFreshPorts('weed server', () =>
      startOnce(weed.path, { ...options, bucket, dataDir, configFile, ...keys }, removeState),
    );
  } catch (err) {
    await removeState();
    throw err;
  }
}

interface StartSettings extends ObjectStoreOptions {
  bucket: string;
  dataDir: string;
  configFile: string;
  accessKeyId: string;
  secretAccessKey: string;
}

async function startOnce(
  weedPath: string,
  s: StartSettings,
  removeState: () => Promise<void>,
): Promise<ObjectStore> {
  const log = s.log ?? (() => {});
  const region = s.region ?? DEFAULT_REGION;
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await freePorts(8);
  const ports = [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] as number[];
  const args = [
    'server',
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-dir=${s.dataDir}`,
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    // Only loopback traffic: no usage reports to seaweedfs.com.
    '-master.telemetry=false',
    // Small volumes (sparse files): a test store holds megabytes. Each bucket needs volumes of its
    // own, one at a time (WEED_MASTER_VOLUME_GROWTH_COPY_1 below), so 16 serve many buckets.
    '-master.volumeSizeLimitMB=64',
    '-volume.max=16',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    // Otherwise the volume server waits 10 s at every stop.
    '-volume.preStopSeconds=0',
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    // Their own listeners, on ports we did not choose: off.
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${s.configFile}`,
  ];
  // weed adds an admin identity of its own from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: the
  // caller's must not become keys to this store.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
    // master.toml's volume_growth.copy_1 (default 7): a new bucket takes one volume, not seven.
    WEED_MASTER_VOLUME_GROWTH_COPY_1: '1',
  };
  const started = Date.now();
  // Its own process group, so stop() reaches everything it runs.
  const child = spawnGuarded(weedPath, args, { detached: true, env, cwd: s.dataDir });
  const output = tail(child.stdout);
  const errors = tail(child.stderr, 80);
  const endpoint = `http://127.0.0.1:${s3}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopGroup(child);
    await removeSockets(ports);
  };
  const store = { endpoint, region, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey };
  const client = objectStoreClient(store, {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 },
  });
  try {
    await waitForWrites(client, s.bucket, child, s.startTimeoutMs ?? 90_000);
  } catch (err) {
    await stop();
    const detail = [errors(), output()].filter(Boolean).join('\n');
    const failure = new Error(
      `${(err as Error).message}${detail ? `\n--- weed output (last lines) ---\n${detail}` : ''}`,
    );
    if (/address already in use/i.test(detail)) (failure as NodeJS.ErrnoException).code = 'EADDRINUSE';
    throw failure;
  } finally {
    client.destroy();
  }
  const startupMs = Date.now() - started;
  log(`object store (SeaweedFS) ready on ${endpoint} in ${startupMs} ms, bucket ${s.bucket}`);
  return {
    ...store,
    bucket: s.bucket,
    dataDir: s.dataDir,
    pid: child.pid ?? -1,
    ports,
    startupMs,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: s.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
    },
    stop: async () => {
      await stop();
      await removeState();
    },
  };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Waits until the bucket exists and takes a write: the S3 port answers before the volume server
 * has joined the master, and a PUT before that fails.
 */
async function waitForWrites(client: S3Client, bucket: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const exitError = (): Error =>
    new Error(`weed server exited with ${child.exitCode ?? child.signalCode} before it was ready`);
  let gone: (() => void) | undefined;
  const exit = new Promise<never>((_, reject) => {
    gone = () => reject(exitError());
    child.once('exit', gone);
  });
  exit.catch(() => undefined);
  const probe = `.friend-import-probe-${randomBytes(4).toString('hex')}`;
  let last: unknown;
  try {
    while (Date.now() < deadline) {
      if (exited(child)) throw exitError();
      try {
        await Promise.race([
          (async () => {
            await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
              if ((err as Error).name !== 'BucketAlreadyOwnedByYou') throw err;
            });
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: probe, Body: 'ok' }));
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probe }));
          })(),
          exit,
        ]);
        return;
      } catch (err) {
        if (exited(child)) throw exitError();
        last = err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    if (gone) child.off('exit', gone);
  }
  throw new Error(
    `weed server did not take writes to bucket ${bucket} within ${timeoutMs} ms (last error: ${(last as Error | undefined)?.message ?? 'none'})`,
  );
}
