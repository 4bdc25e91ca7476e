/**
 * The pure parts of object storage (docs/cli.md, object storage): `s3://` locations, the object
 * roots a worker may use, an object's identity, the line reader over chunks, the default report
 * locations and the AWS settings read from the environment.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reportPaths } from '../../../client/bulkJobs.js';
import { verifyReportPaths } from '../../../client/verifyJobs.js';
import { loadObjectStoreSettings } from '../../../config/objectStore.js';
import { loadWorkerSettings } from '../../../config/worker.js';
import {
  joinObjectLocation,
  objectLocationProblem,
  parentObjectLocation,
  parseObjectLocation,
  withinObjectRoot,
} from '../../../core/objectLocation.js';
import { FileRoots } from '../../../activities/fileRoots.js';
import { identityChange } from '../../../formats/source/identity.js';
import { readLines } from '../../../formats/source/lines.js';
import { readFailure } from '../../../activities/page/pageReading.js';
import { StorageError } from '../../../formats/storage/objects.js';
import { reportFailure } from '../../../activities/reportFolder.js';

describe('an s3:// location', () => {
  it('parses into bucket and key, and joins and climbs by key segments', () => {
    assert.deepEqual(parseObjectLocation('s3://exports/2026/friends.jsonl'), {
      bucket: 'exports',
      key: '2026/friends.jsonl',
    });
    assert.deepEqual(parseObjectLocation('s3://exports'), { bucket: 'exports', key: '' });
    assert.deepEqual(parseObjectLocation('s3://exports/reports/'), { bucket: 'exports', key: 'reports' });
    assert.equal(
      joinObjectLocation('s3://b1b/r/', 'outcomes', 'p000001-000001.jsonl'),
      's3://b1b/r/outcomes/p000001-000001.jsonl',
    );
    assert.equal(joinObjectLocation('s3://b1b', 'x'), 's3://b1b/x');
    assert.equal(parentObjectLocation('s3://b1b/r/report.jsonl'), 's3://b1b/r');
    assert.equal(parentObjectLocation('s3://b1b/report.jsonl'), 's3://b1b');
  });

  it('refuses a bad bucket and empty, "." and ".." key segments, saying which', () => {
    assert.match(objectLocationProblem('s3://') ?? '', /does not name a bucket/);
    assert.match(objectLocationProblem('s3://Bad_Bucket/x') ?? '', /does not name a bucket/);
    assert.match(objectLocationProblem('s3://b1b/pre/../x') ?? '', /"\.\." part/);
    assert.match(objectLocationProblem('s3://b1b/./x') ?? '', /"\." or/);
    assert.match(objectLocationProblem('s3://b1b/a//x') ?? '', /empty/);
    assert.equal(objectLocationProblem('/local/../path'), undefined, 'a local path is not judged here');
    assert.throws(() => parseObjectLocation('s3://b1b/pre/../x'), /"\.\." part/);
  });

  it('lies within a root by whole key segments only', () => {
    assert.equal(withinObjectRoot('s3://b1b/pre', 's3://b1b/pre/x.jsonl'), true);
    assert.equal(withinObjectRoot('s3://b1b/pre', 's3://b1b/pre'), true);
    assert.equal(withinObjectRoot('s3://b1b/pre/', 's3://b1b/pre/a/b'), true);
    assert.equal(withinObjectRoot('s3://b1b/pre', 's3://b1b/prefix2/x'), false);
    assert.equal(withinObjectRoot('s3://b1b/pre', 's3://b1bb/pre/x'), false);
    assert.equal(withinObjectRoot('s3://b1b', 's3://b1b/anything/x'), true);
    assert.equal(withinObjectRoot('s3://b1b', 's3://other/x'), false);
  });
});

describe("a worker's object roots", () => {
  it('refuses s3:// until WORKER_OBJECT_ROOTS is set, naming the variable', async () => {
    const roots = await FileRoots.open([process.cwd()]);
    await assert.rejects(roots.check({ source: 's3://b1b/x.jsonl' }), (err: Error) => {
      assert.match(
        err.message,
        /^the source s3:\/\/b1b\/x\.jsonl is in object storage.*set WORKER_OBJECT_ROOTS/,
      );
      assert.equal((err as { nonRetryable?: boolean }).nonRetryable, true);
      return true;
    });
  });

  it('allows what lies under a root and refuses the rest, traversal and neighbours included', async () => {
    const roots = await FileRoots.open([process.cwd()], ['s3://b1b/pre', 's3://other']);
    await roots.check({ source: 's3://b1b/pre/x.jsonl', 'report folder': 's3://other/r/job.parts' });
    await assert.rejects(
      roots.check({ source: 's3://b1b/prefix2/x.jsonl' }),
      /outside the object storage.*WORKER_OBJECT_ROOTS: s3:\/\/b1b\/pre,s3:\/\/other/,
    );
    await assert.rejects(
      roots.check({ source: 's3://b1b/pre/../x.jsonl' }),
      /the source s3:\/\/b1b\/pre\/\.\.\/x\.jsonl has an empty, "\." or "\.\." part/,
    );
    // A local path is still held to the folders.
    await assert.rejects(roots.check({ source: '/etc/passwd' }), /WORKER_FILE_ROOTS/);
  });

  it('is read from WORKER_OBJECT_ROOTS as comma-separated s3:// locations', () => {
    assert.deepEqual(
      loadWorkerSettings({ WORKER_OBJECT_ROOTS: 's3://b1b/pre, s3://other' }).WORKER_OBJECT_ROOTS,
      ['s3://b1b/pre', 's3://other'],
    );
    assert.throws(
      () => loadWorkerSettings({ WORKER_OBJECT_ROOTS: '/data' }),
      /WORKER_OBJECT_ROOTS must list s3:\/\//,
    );
    assert.throws(
      () => loadWorkerSettings({ WORKER_OBJECT_ROOTS: 's3://b1b/a/../b' }),
      /WORKER_OBJECT_ROOTS/,
    );
    assert.equal(loadWorkerSettings({}).WORKER_OBJECT_ROOTS, undefined);
  });
});

describe("an object's identity", () => {
  const was = { size: 100, mtimeMs: 1, etag: '"abc"' };
  it('is its size and ETag: a new time alone is no change, another ETag or size is', () => {
    assert.equal(identityChange(was, { size: 100, mtimeMs: 2, etag: '"abc"' }), undefined);
    assert.equal(
      identityChange(was, { size: 100, mtimeMs: 1, etag: '"def"' }),
      'it was replaced (ETag "def", was "abc")',
    );
    assert.equal(
      identityChange(was, { size: 120, mtimeMs: 1, etag: '"def"' }),
      'it grew from 100 to 120 bytes; it was replaced (ETag "def", was "abc")',
    );
  });

  it('stops the job when a ranged read meets another ETag, and when the object is gone', () => {
    const changed = readFailure(new StorageError('PreconditionFailed', 's3://b1b/x.jsonl')) as Error & {
      type?: string;
      nonRetryable?: boolean;
    };
    assert.equal(changed.type, 'SourceChanged');
    assert.equal(changed.nonRetryable, true);
    assert.match(
      changed.message,
      /^the source s3:\/\/b1b\/x\.jsonl changed since the job started: it was replaced/,
    );
    const gone = readFailure(new StorageError('NotFound', 's3://b1b/x.jsonl')) as Error & { type?: string };
    assert.equal(gone.type, 'SourceUnreadable');
    assert.equal(gone.message, 'cannot read s3://b1b/x.jsonl: no such object');
    const down = new StorageError('Unreachable', 's3://b1b/x.jsonl', 'ECONNREFUSED');
    assert.equal(readFailure(down), down, 'a store that does not answer is retried');
  });
});

describe('a report in object storage that cannot be written', () => {
  it('stops the job on access denied or no such bucket, and retries a store that does not answer', () => {
    for (const problem of ['AccessDenied', 'NoSuchBucket'] as const) {
      const err = reportFailure(new StorageError(problem, 's3://b1b/r/outcomes/x'), 's3://b1b/r') as Error & {
        type?: string;
        nonRetryable?: boolean;
      };
      assert.equal(err.type, 'ReportUnwritable');
      assert.equal(err.nonRetryable, true);
      assert.match(
        err.message,
        /^cannot write the job's report at s3:\/\/b1b\/r\/outcomes\/x: (access denied|no such bucket); choose another --report/,
      );
    }
    const down = new StorageError('Unreachable', 's3://b1b/r', 'ECONNREFUSED');
    assert.equal(reportFailure(down, 's3://b1b/r'), down);
  });
});

describe('the line reader over chunks', () => {
  async function* chunksOf(text: string, size: number, start = 0): AsyncGenerator<Uint8Array> {
    const bytes = Buffer.from(text);
    for (let at = start; at < bytes.length; at += size) {
      // A store hands each chunk over asynchronously.
      await Promise.resolve();
      yield Uint8Array.from(bytes.subarray(at, at + size));
    }
  }
  const collect = async (text: string, size: number, start = 0, firstLine = 1) => {
    const out = [];
    for await (const l of readLines(chunksOf(text, size, start), { start, firstLine })) out.push(l);
    return out;
  };
  const text = 'a\r\nbé\n\ncc\n\uFEFFd';

  it('gives the same lines and byte positions whatever the chunk size', async () => {
    const whole = await collect(text, 1024);
    assert.deepEqual(
      whole.map((l) => [l.lineNo, l.start, l.end, l.text]),
      [
        [1, 0, 3, 'a'],
        [2, 3, 7, 'bé'],
        [3, 7, 8, ''],
        [4, 8, 11, 'cc'],
        [5, 11, 15, 'd'],
      ],
    );
    // One byte at a time cuts the é and the BOM in two: the reader joins them.
    for (const size of [1, 2, 3, 5]) assert.deepEqual(await collect(text, size), whole, `chunks of ${size}`);
  });

  it('resumes at a byte offset with the line number there', async () => {
    const resumed = await collect(text, 2, 8, 4);
    assert.deepEqual(
      resumed.map((l) => [l.lineNo, l.start, l.end, l.text]),
      [
        [4, 8, 11, 'cc'],
        [5, 11, 15, 'd'],
      ],
    );
  });
});

describe('report locations', () => {
  it('default to the source bucket for an s3:// source, and stay local for a file', () => {
    assert.deepEqual(reportPaths('job-1', undefined, 's3://exports/in/f.jsonl'), {
      reportJsonl: 's3://exports/friend-import-reports/job-1/report.jsonl',
      reportCsv: 's3://exports/friend-import-reports/job-1/report.csv',
      reportDir: 's3://exports/friend-import-reports/job-1/report.parts',
    });
    assert.equal(
      reportPaths('job-1', undefined, '/data/f.jsonl').reportJsonl,
      `${process.cwd()}/friend-import-reports/job-1/report.jsonl`,
    );
    assert.equal(
      verifyReportPaths('v-1', undefined, 's3://exports/f.csv').repairJsonl,
      's3://exports/friend-import-reports/v-1/verify.repair.jsonl',
    );
  });

  it('take an s3:// prefix, or an s3:// .jsonl, from --report', () => {
    assert.equal(reportPaths('job-1', 's3://out/reports/').reportJsonl, 's3://out/reports/report.jsonl');
    assert.equal(reportPaths('job-1', 's3://out/r/mine.jsonl').reportDir, 's3://out/r/mine.parts');
    assert.throws(() => reportPaths('job-1', 's3://out/../x'), /"\.\." part/);
  });
});

describe('the object store settings', () => {
  it('use path-style and a default region for an endpoint that is not AWS', () => {
    assert.deepEqual(loadObjectStoreSettings({ AWS_ENDPOINT_URL: 'http://127.0.0.1:8333' }), {
      endpoint: 'http://127.0.0.1:8333',
      region: 'us-east-1',
      forcePathStyle: true,
    });
    assert.deepEqual(
      loadObjectStoreSettings({
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_ENDPOINT_URL_S3: 'https://cos.ap-guangzhou.myqcloud.com',
        AWS_REGION: 'ap-guangzhou',
      }),
      { endpoint: 'https://cos.ap-guangzhou.myqcloud.com', region: 'ap-guangzhou', forcePathStyle: true },
    );
    assert.deepEqual(loadObjectStoreSettings({ AWS_ENDPOINT_URL_S3: 'https://s3.eu-west-1.amazonaws.com' }), {
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      region: 'us-east-1',
      forcePathStyle: false,
    });
    assert.deepEqual(loadObjectStoreSettings({}), { forcePathStyle: false });
    assert.throws(
      () => loadObjectStoreSettings({ AWS_ENDPOINT_URL: 'localhost:9000' }),
      /AWS_ENDPOINT_URL must be an http/,
    );
  });
});
