/**
 * What the object-storage tests read and write in their bucket, through their own S3 client (not
 * the code under test): objects as text, keys under a prefix, and a job's outcome objects.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LineOutcome } from '../../core/jobTypes.js';
import type { UserInput } from '../support/files.js';

/** A JSONL source of `list`, one line per user, then `extra` lines as they are. */
export const jsonl = (list: readonly UserInput[], extra: string[] = []): string =>
  [...list.map((u) => JSON.stringify({ From_Account: u.from, AddFriendItem: u.items })), ...extra].join(
    '\n',
  ) + '\n';

export interface Bucket {
  put(key: string, body: string): Promise<void>;
  text(key: string): Promise<string>;
  keysUnder(prefix: string): Promise<string[]>;
  /** Every outcome line a job wrote under its report prefix (`<prefix>/report.parts/outcomes/`). */
  outcomesUnder(prefix: string): Promise<LineOutcome[]>;
}

export function bucket(s3: S3Client, name: string): Bucket {
  const text = async (key: string): Promise<string> =>
    (await (await s3.send(new GetObjectCommand({ Bucket: name, Key: key }))).Body?.transformToString()) ?? '';
  const keysUnder = async (prefix: string): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: prefix }))).Contents ?? [])
      .map((o) => o.Key ?? '')
      .sort();
  return {
    put: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }));
    },
    text,
    keysUnder,
    outcomesUnder: async (prefix) => {
      const parts = await keysUnder(`${prefix}/report.parts/outcomes/`);
      return (await Promise.all(parts.map(text)))
        .flatMap((t) => t.split('\n').filter(Boolean))
        .map((l) => JSON.parse(l) as LineOutcome);
    },
  };
}

/** Each outcome's items as `from>to`, imported or failed: one per item when the job was exact. */
export const outcomeItems = (outcomes: readonly LineOutcome[]): string[] =>
  outcomes.flatMap((o) => [
    ...o.imported.map((to) => `${o.fromAccount}>${to}`),
    ...o.failed.map((f) => `${o.fromAccount}>${f.toAccount}`),
  ]);
