/**
 * The object operations the sources and reports need, on `s3://` locations, with the store's
 * errors turned into a StorageError that names the location and what is wrong (never a
 * credential: a store's answer is named by its error name and status, never its message).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { joinObjectLocation, parseObjectLocation } from '../../core/objectLocation.js';
import { countFetched, countGet, objectStoreClient } from './client.js';

export type StorageProblem =
  | 'NotFound'
  | 'NoSuchBucket'
  | 'AccessDenied'
  | 'PreconditionFailed'
  | 'InvalidRange'
  | 'Unreachable'
  | 'Client'
  | 'Other';

const WORDS: Record<StorageProblem, string> = {
  NotFound: 'no such object',
  NoSuchBucket: 'no such bucket',
  AccessDenied: 'access denied',
  PreconditionFailed: 'the object changed (its ETag is not the one expected)',
  InvalidRange: 'the range is past the end of the object',
  Unreachable: 'the object store cannot be reached',
  Client: 'the request could not be made',
  Other: 'the object store refused the request',
};

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly problem: StorageProblem,
    readonly location: string,
    detail?: string,
  ) {
    super(`${location}: ${WORDS[problem]}${detail ? ` (${detail})` : ''}`);
  }
}

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function problemOf(err: SdkError): StorageProblem {
  const name = err.Code ?? err.name ?? '';
  const status = err.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket') return 'NoSuchBucket';
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'NotFound';
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) return 'AccessDenied';
  if (name === 'PreconditionFailed' || status === 412) return 'PreconditionFailed';
  if (name === 'InvalidRange' || status === 416) return 'InvalidRange';
  if (
    status === undefined &&
    /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN)$/.test(err.code ?? '')
  )
    return 'Unreachable';
  return status === undefined ? 'Client' : 'Other';
}

/** What to add to the problem: never the store's own message for an answer (it may echo a request). */
function detailOf(problem: StorageProblem, e: SdkError & { message?: string }): string | undefined {
  if (problem === 'Unreachable') return e.code;
  // Made here, before any request (no region, no credentials): the SDK's words say which.
  if (problem === 'Client') return (e.message ?? e.name ?? '').slice(0, 200);
  if (problem === 'Other') return [e.Code ?? e.name, e.$metadata?.httpStatusCode].filter(Boolean).join(' ');
  return undefined;
}

/** Runs one request on `location` with the process's client, with its error as a StorageError. */
async function request<T>(location: string, run: (client: S3Client) => Promise<T>): Promise<T> {
  // Settings that cannot be read are the operator's to mend, and say so themselves.
  const client = objectStoreClient();
  try {
    return await run(client);
  } catch (err) {
    if (err instanceof StorageError) throw err;
    const e = (err ?? {}) as SdkError & { message?: string };
    const problem = problemOf(e);
    throw new StorageError(problem, location, detailOf(problem, e));
  }
}

/**
 * Whether the store answers for `location`'s bucket with these credentials: a worker asks at start
 * (and so loads the SDK's request path then, not in its first job's first page).
 */
export async function probeBucket(location: string): Promise<void> {
  const { bucket } = parseObjectLocation(location);
  await request(location, (client) => client.send(new HeadBucketCommand({ Bucket: bucket })));
}

export interface ObjectHead {
  size: number;
  etag: string;
  mtimeMs: number;
}

export async function headObject(location: string): Promise<ObjectHead> {
  const { bucket, key } = parseObjectLocation(location);
  const res = await request(location, (client) =>
    client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
  );
  return { size: res.ContentLength ?? 0, etag: res.ETag ?? '', mtimeMs: res.LastModified?.getTime() ?? 0 };
}

/**
 * Bytes `start`..`end` (inclusive) of the object, only if its ETag is still `etag` (when given);
 * fewer at the end of the object, none past it.
 */
export async function getRange(location: string, start: number, end: number, etag?: string): Promise<Buffer> {
  const { bucket, key } = parseObjectLocation(location);
  try {
    return await request(location, async (client) => {
      countGet();
      const res = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=${start}-${end}`,
          ...(etag !== undefined && { IfMatch: etag }),
        }),
      );
      const bytes = Buffer.from((await res.Body?.transformToByteArray()) ?? []);
      countFetched(bytes.length);
      return bytes;
    });
  } catch (err) {
    if (err instanceof StorageError && err.problem === 'InvalidRange') return Buffer.alloc(0);
    throw err;
  }
}

export async function getText(location: string): Promise<string> {
  const { bucket, key } = parseObjectLocation(location);
  return request(location, async (client) => {
    countGet();
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await res.Body?.transformToString('utf-8')) ?? '';
    countFetched(Buffer.byteLength(text));
    return text;
  });
}

/** A PUT replaces an object whole, so a reader never sees half of one. */
export async function putText(location: string, content: string): Promise<void> {
  const { bucket, key } = parseObjectLocation(location);
  await request(location, (client) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        // Bytes of a known length: the SDK sends them in one signed request (an empty string
        // would be taken for a stream of unknown length).
        Body: Buffer.from(content),
        ContentLength: Buffer.byteLength(content),
        ContentType: contentType(key),
      }),
    ),
  );
}

const contentType = (key: string): string =>
  key.endsWith('.csv')
    ? 'text/csv; charset=utf-8'
    : key.endsWith('.jsonl')
      ? 'application/x-ndjson'
      : 'text/plain';

export async function deleteObject(location: string): Promise<void> {
  const { bucket, key } = parseObjectLocation(location);
  await request(location, (client) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
}

/** The names directly under the prefix `folder` (one segment each; deeper keys are left out). */
export async function listNames(folder: string): Promise<string[]> {
  const { bucket, key } = parseObjectLocation(folder);
  const prefix = key === '' ? '' : `${key}/`;
  const names: string[] = [];
  let token: string | undefined;
  // A report folder holds one object per outcome file: bounded, but walk every page of the listing.
  for (let pages = 0; pages < 100_000; pages++) {
    const res = await request(joinObjectLocation(folder), (client) =>
      client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          Delimiter: '/',
          ...(token !== undefined && { ContinuationToken: token }),
        }),
      ),
    );
    for (const o of res.Contents ?? []) if (o.Key) names.push(o.Key.slice(prefix.length));
    if (!res.IsTruncated || !res.NextContinuationToken) break;
    token = res.NextContinuationToken;
  }
  return names;
}
