/**
 * Whole-file reads and writes of report files, on a local path or an `s3://` location alike. A
 * local file is replaced atomically (written aside, then renamed); an object by one PUT, which a
 * store applies whole.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isObjectLocation, joinObjectLocation } from '../../core/objectLocation.js';
import { deleteObject, getText, listNames, putText } from './objects.js';

export { isObjectLocation } from '../../core/objectLocation.js';

/** `base` with `parts` added: path segments, or key segments of an object location. */
export const joinLocation = (base: string, ...parts: string[]): string =>
  isObjectLocation(base) ? joinObjectLocation(base, ...parts) : join(base, ...parts);

export async function writeWhole(location: string, content: string): Promise<void> {
  if (isObjectLocation(location)) return putText(location, content);
  await mkdir(dirname(location), { recursive: true });
  const tmp = `${location}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, location);
}

export async function readWhole(location: string): Promise<string> {
  return isObjectLocation(location) ? getText(location) : readFile(location, 'utf8');
}

/** The names in `folder` (none when it does not exist). */
export async function listFolder(folder: string): Promise<string[]> {
  if (isObjectLocation(folder)) return listNames(folder);
  return readdir(folder).catch(() => [] as string[]);
}

export async function removeFile(location: string): Promise<void> {
  if (isObjectLocation(location)) return deleteObject(location);
  await rm(location, { force: true });
}
