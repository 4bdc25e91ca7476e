/**
 * Checks an input file before any job starts, so what cannot be read at all fails at once with
 * one sentence (exit 2) instead of filling a report with one error per line: missing, a folder,
 * unreadable, empty or without a single row (a CSV header alone, only blank lines), not UTF-8 (a
 * UTF-16 BOM, NUL bytes, bytes that are not UTF-8 — GBK, Latin-1), or a CSV whose header is wrong.
 * Bad lines further in are the reader's to report, row by row. An `s3://` object is checked the
 * same way, through the store (docs/cli.md, object storage).
 */
import { statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isObjectLocation, objectLocationProblem } from '../../../core/objectLocation.js';
import { sourceLines } from '../../../formats/source/lines.js';
import { readCsvHeader, SourceError } from '../../../formats/source/stream.js';
import { formatByExtension, type SourceFormat } from '../../../core/jobTypes.js';
import { CliError, EXIT } from '../errors.js';

const FORMATS: Record<string, SourceFormat> = { jsonl: 'jsonl', csv: 'csv' };
/** How much of the file's head is checked for its encoding. */
const HEAD_BYTES = 64 * 1024;

/** Where a job reads FILE: a path made absolute, or an `s3://` location as written. */
export const sourceLocation = (file: string): string => (isObjectLocation(file) ? file : resolve(file));

/** The format: `--format` when given, else the file's extension. */
export function formatOf(path: string, explicit?: string): SourceFormat {
  const problem = objectLocationProblem(path);
  if (problem) throw new CliError(problem, EXIT.usage);
  if (explicit !== undefined) {
    const format = FORMATS[explicit.toLowerCase()];
    if (!format) throw new CliError(`--format must be jsonl or csv, got "${explicit}"`, EXIT.usage);
    return format;
  }
  const format = formatByExtension(path);
  if (!format) {
    // A folder or a typo has no extension either: blaming the extension would send the user the
    // wrong way, so say what the path really is first.
    const problem = pathProblem(path);
    if (problem) throw problem;
    throw new CliError(
      `cannot tell the format of ${path} from its extension: name it .jsonl or .csv, or pass --format jsonl|csv`,
      EXIT.usage,
    );
  }
  return format;
}

/** Why `path` is not a file that can be opened (missing, a folder, …), or undefined when it is one. */
function pathProblem(path: string): CliError | undefined {
  if (isObjectLocation(path)) return undefined;
  try {
    if (statSync(path).isDirectory()) return unreadable(path, { code: 'EISDIR' });
  } catch (err) {
    return unreadable(path, err);
  }
  return undefined;
}

/** Why `head` is not UTF-8 text, or undefined when it looks like UTF-8. */
export function encodingProblem(head: Uint8Array, wholeFile: boolean): string | undefined {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
    return 'is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8';
  if (head.includes(0))
    return 'contains NUL bytes, so it is not UTF-8 text (UTF-16 without a byte-order mark, or a binary file?); save it as UTF-8';
  try {
    // `stream` lets a character cut at the end of the head pass; a whole file must end cleanly.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !wholeFile });
  } catch {
    return 'is not UTF-8 text (another encoding such as GBK or Latin-1?); save it as UTF-8';
  }
  return undefined;
}

function unreadable(path: string, err: unknown): CliError {
  // The store's errors already name the location and what is wrong (never a credential).
  if ((err as Error | null)?.name === 'StorageError') return new CliError((err as Error).message, EXIT.usage);
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'cannot be read (permission denied)'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : `cannot be read (${code ?? (err as Error).message})`;
  return new CliError(`${path} ${why}`, EXIT.usage);
}

/** Throws a usage error (exit 2) when the file cannot be imported at all; returns its size. */
export async function checkSource(path: string, format: SourceFormat): Promise<{ bytes: number }> {
  let bytes: number;
  let head: Buffer;
  try {
    bytes = await sizeOf(path);
    if (bytes === 0) throw new CliError(`${path} is empty: there is nothing to read`, EXIT.usage);
    head = await headOf(path, Math.min(bytes, HEAD_BYTES));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw unreadable(path, err);
  }
  const problem = encodingProblem(head, bytes <= HEAD_BYTES);
  if (problem) throw new CliError(`${path} ${problem}`, EXIT.usage);
  if (format === 'csv') {
    try {
      await readCsvHeader(path);
    } catch (err) {
      if (err instanceof SourceError) throw new CliError(`${path}: ${err.message}`, EXIT.usage);
      throw unreadable(path, err);
    }
  }
  // A job over a file without rows would end at once as "completed, 0 items", which reads like
  // success: refuse it before anything starts.
  if (!(await hasRow(path, format)))
    throw new CliError(
      format === 'csv'
        ? `${path} holds a CSV header and no rows: there is nothing to read`
        : `${path} holds only blank lines: there is nothing to read`,
      EXIT.usage,
    );
  return { bytes };
}

/**
 * Whether the file holds at least one line with something on it (after a CSV's header): a bad
 * line counts, since the job reports it. Stops at the first such line, so a real file costs a read
 * of its head.
 */
async function hasRow(path: string, format: SourceFormat): Promise<boolean> {
  try {
    for await (const line of sourceLines(path, { start: 0, firstLine: 1 })) {
      if (format === 'csv' && line.lineNo === 1) continue;
      if (line.error !== undefined || (line.text ?? '').trim() !== '') return true;
    }
  } catch (err) {
    throw unreadable(path, err);
  }
  return false;
}

async function sizeOf(path: string): Promise<number> {
  if (isObjectLocation(path)) {
    const { headObject } = await import('../../../formats/storage/objects.js');
    return (await headObject(path)).size;
  }
  const info = await stat(path);
  if (info.isDirectory()) throw Object.assign(new Error('folder'), { code: 'EISDIR' });
  return info.size;
}

/** The first `bytes` bytes of the file or object. */
async function headOf(path: string, bytes: number): Promise<Buffer> {
  if (isObjectLocation(path)) {
    const { getRange } = await import('../../../formats/storage/objects.js');
    return getRange(path, 0, bytes - 1);
  }
  const head = Buffer.alloc(bytes);
  const file = await open(path, 'r');
  try {
    await file.read(head, 0, head.length, 0);
  } finally {
    await file.close();
  }
  return head;
}
