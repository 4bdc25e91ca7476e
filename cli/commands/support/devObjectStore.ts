/**
 * The object store of `friend-import dev --object-store` (docs/cli.md): started on loopback with
 * keys of its own, handed to the worker through the standard AWS variables (in this process's
 * environment too, where the in-process worker's S3 client looks for keys), and described for the
 * user. The secret goes out only in the `ready {…}` line (for scripts) and in a file only this user
 * may read, which the printed export command reads; never in the log lines.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '../../stack/objectStore.js';

export interface DevObjectStore {
  store: ObjectStore;
  /** What the worker needs: the AWS_* settings and the bucket as the one object root. */
  workerEnv: Record<string, string>;
  /** The ready line's `objectStore` field. */
  readyField: Pick<ObjectStore, 'endpoint' | 'region' | 'bucket' | 'accessKeyId' | 'secretAccessKey'>;
  /** Its line in the summary the dev command prints. */
  summary: string;
  /** What a user types in another terminal to point the CLI at it. */
  exportLines: string[];
  stop(): Promise<void>;
}

export async function startDevObjectStore(log: (line: string) => void): Promise<DevObjectStore> {
  const { startObjectStore } = await import('../../stack/objectStore.js');
  const store = await startObjectStore({ log });
  // In the store's own temporary folder, removed when it stops.
  const secretFile = join(store.dataDir, 'aws-secret-access-key');
  try {
    await writeFile(secretFile, store.secretAccessKey, { mode: 0o600 });
  } catch (err) {
    await store.stop();
    throw err;
  }
  // The worker runs in this process and its S3 client takes its keys from the AWS SDK's default
  // chain, this process's environment first: the store's keys go there, and what would win over
  // them or send the worker elsewhere goes.
  for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[name];
  Object.assign(process.env, store.env);
  const { endpoint, region, bucket, accessKeyId, secretAccessKey } = store;
  return {
    store,
    workerEnv: { ...store.env, WORKER_OBJECT_ROOTS: `s3://${bucket}` },
    readyField: { endpoint, region, bucket, accessKeyId, secretAccessKey },
    summary: `  objects      ${endpoint} — SeaweedFS, bucket ${bucket} (state in ${store.dataDir}, removed at stop)`,
    exportLines: [
      `  export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=${region} AWS_ACCESS_KEY_ID=${accessKeyId}`,
      `  export AWS_SECRET_ACCESS_KEY="$(cat ${secretFile})"`,
      `  friend-import import s3://${bucket}/friends.jsonl   # once uploaded: aws s3 cp friends.jsonl s3://${bucket}/`,
    ],
    stop: () => store.stop(),
  };
}
