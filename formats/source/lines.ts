/**
 * Physical lines of a UTF-8 text file from a byte offset, with exact byte positions so a reader
 * can resume anywhere. Never holds more than one (bounded) line in memory: a line longer than
 * `maxLineBytes` is skipped and reported, not loaded. The bytes come as chunks (./chunks.ts: a
 * local file or an object in a store), the first at `start`.
 */
import { openChunks, type ChunkOptions } from './chunks.js';

interface PhysicalLine {
  /** 1-based line number in the file. */
  lineNo: number;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just after the line's newline (where the next line starts). */
  end: number;
  /**
   * The text without its line ending and without a leading byte-order mark (on any line: files
   * concatenated from BOM-prefixed files read as intended); absent when `error` is set.
   */
  text?: string;
  error?: string;
}

const MAX_LINE_BYTES = 2 * 1024 * 1024;

interface ReadLinesOptions {
  start: number;
  firstLine: number;
  maxLineBytes?: number;
}

/** The lines of `location` (a path or an `s3://` object) from `options.start`. */
export function sourceLines(
  location: string,
  options: ReadLinesOptions & ChunkOptions,
): AsyncGenerator<PhysicalLine> {
  return readLines(openChunks(location, options.start, options), options);
}

/** The lines in `chunks`, whose first byte is at `options.start` of the file. */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array>,
  options: ReadLinesOptions,
): AsyncGenerator<PhysicalLine> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  // TextDecoder drops a leading BOM from each line it decodes (ignoreBOM: false, the default).
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lineNo = options.firstLine;
  let lineStart = options.start;
  let parts: Buffer[] = [];
  let length = 0;
  let oversize = false;

  const finish = (end: number): PhysicalLine => {
    const line: PhysicalLine = { lineNo, start: lineStart, end };
    if (oversize) {
      line.error = `is ${length.toLocaleString('en')} bytes long; a line may be at most ${maxLineBytes.toLocaleString('en')} bytes`;
    } else {
      let bytes = parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
      if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
      try {
        line.text = decoder.decode(bytes);
      } catch {
        line.error = 'is not valid UTF-8 text';
      }
    }
    lineNo++;
    lineStart = end;
    parts = [];
    length = 0;
    oversize = false;
    return line;
  };

  let position = options.start;
  // Leaving the loop early (the reader stopped) closes the chunks' stream or stops its GETs.
  for await (const bytes of chunks) {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      const piece = chunk.subarray(from, nl === -1 ? chunk.length : nl);
      length += piece.length;
      if (length > maxLineBytes) {
        oversize = true;
        parts = [];
      } else if (piece.length > 0) parts.push(piece);
      if (nl === -1) break;
      yield finish(position + nl + 1);
      from = nl + 1;
    }
    position += chunk.length;
  }
  if (length > 0 || oversize) yield finish(position);
}
