/**
 * A source's bytes from an offset, as chunks for the line reader (./lines.ts): a local file
 * through a read stream; an `s3://` object by successive ranged GETs of one chunk each, every one
 * only if the object's ETag is still the one the job started with, one chunk ahead of the reader,
 * so a page that resumes reads from its checkpoint on and holds at most one chunk ahead.
 */
import { createReadStream } from 'node:fs';
import { isObjectLocation } from '../../core/objectLocation.js';
import { getRange } from '../storage/objects.js';

export const OBJECT_CHUNK_BYTES = 1024 * 1024;

export interface ChunkOptions {
  /** The object's ETag when the job started: a GET of another version fails (412). */
  etag?: string;
  /** Told the size of each chunk fetched from the store. */
  onFetched?: (bytes: number) => void;
  chunkBytes?: number;
}

/** The bytes of `location` from `start` to its end. */
export function openChunks(
  location: string,
  start: number,
  options: ChunkOptions = {},
): AsyncIterable<Uint8Array> {
  if (isObjectLocation(location)) return objectChunks(location, start, options);
  return createReadStream(location, { start, highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
}

async function* objectChunks(
  location: string,
  start: number,
  options: ChunkOptions,
): AsyncGenerator<Uint8Array> {
  const size = options.chunkBytes ?? OBJECT_CHUNK_BYTES;
  const fetch = (at: number): Promise<Buffer> => {
    const chunk = getRange(location, at, at + size - 1, options.etag).then((bytes) => {
      options.onFetched?.(bytes.length);
      return bytes;
    });
    // Awaited when its turn comes; until then, a failure must not count as unhandled.
    chunk.catch(() => undefined);
    return chunk;
  };
  // The one read-ahead: the next chunk is on its way while the reader parses this one, so a page
  // never waits for the store between chunks.
  let next = fetch(start);
  for (let at = start; ;) {
    const chunk = await next;
    if (chunk.length === 0) return;
    at += chunk.length;
    const last = chunk.length < size;
    if (!last) next = fetch(at);
    yield chunk;
    if (last) return;
  }
}
