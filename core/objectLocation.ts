/**
 * Where a source or a report lives: a local path, or an object in an S3-compatible store written
 * `s3://BUCKET/KEY` (docs/cli.md, object storage). Pure, so the client, the CLI and the workers
 * read a location the same way. A key never holds `.` or `..` segments or empty ones: a store may
 * normalise them, and then a key checked against a root could land outside it.
 */

export interface ObjectLocation {
  bucket: string;
  /** The key without a leading or trailing `/` ('' for the bucket itself). */
  key: string;
}

const SCHEME = 's3://';
// S3's rules for bucket names, loosely: what a store accepts in a host or a path.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const isObjectLocation = (location: string): boolean => location.startsWith(SCHEME);

/** Why `location` is not a usable `s3://` location, or undefined when it is (or is a local path). */
export function objectLocationProblem(location: string): string | undefined {
  if (!isObjectLocation(location)) return undefined;
  const rest = location.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (!BUCKET.test(bucket))
    return `${location} does not name a bucket: write s3://BUCKET/KEY (bucket names are 3–63 lowercase letters, digits, dots and dashes)`;
  const key = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/$/, '');
  if (key === '') return undefined;
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    return `${location} has an empty, "." or ".." part in its key: write the key without them`;
  return undefined;
}

/** `s3://bucket/key` as its bucket and key; throws an Error that says what is wrong. */
export function parseObjectLocation(location: string): ObjectLocation {
  if (!isObjectLocation(location)) throw new Error(`${location} is not an s3:// location`);
  const problem = objectLocationProblem(location);
  if (problem) throw new Error(problem);
  const rest = location.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash === -1) return { bucket: rest, key: '' };
  return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1).replace(/\/$/, '') };
}

export const formatObjectLocation = ({ bucket, key }: ObjectLocation): string =>
  key === '' ? `${SCHEME}${bucket}` : `${SCHEME}${bucket}/${key}`;

/** `base` with `parts` added as key segments (`s3://b/r` + `outcomes` → `s3://b/r/outcomes`). */
export function joinObjectLocation(base: string, ...parts: string[]): string {
  const { bucket, key } = parseObjectLocation(base);
  const joined = [key, ...parts].filter((p) => p !== '').join('/');
  return formatObjectLocation({ bucket, key: joined });
}

/** The location one segment up (`s3://b/r/report.jsonl` → `s3://b/r`). */
export function parentObjectLocation(location: string): string {
  const { bucket, key } = parseObjectLocation(location);
  const slash = key.lastIndexOf('/');
  return formatObjectLocation({ bucket, key: slash === -1 ? '' : key.slice(0, slash) });
}

/**
 * Whether `location` lies under `root` (both `s3://bucket[/prefix]`) by whole key segments:
 * `s3://b/pre` holds `s3://b/pre/x` but not `s3://b/prefix2/x`.
 */
export function withinObjectRoot(root: string, location: string): boolean {
  const r = parseObjectLocation(root);
  const l = parseObjectLocation(location);
  if (r.bucket !== l.bucket) return false;
  return r.key === '' || l.key === r.key || l.key.startsWith(`${r.key}/`);
}
