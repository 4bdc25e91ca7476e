/**
 * Physical lines of a UTF-8 text file from a byte offset, with exact byte positions so a reader
 * can resume anywhere. Never holds more than one (bounded) line in memory: a line longer than
 * `maxLineBytes` is skipped and reported, not loaded.
 */
import { createReadStream } from 'node:fs';

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

export async function* readLines(path: string, options: ReadLinesOptions): AsyncGenerator<PhysicalLine> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  // TextDecoder drops a leading BOM from each line it decodes (ignoreBOM: false, the default).
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stream = createReadStream(path, { start: options.start, highWaterMark: 256 * 1024 });
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

  try {
    let position = options.start;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
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
  } finally {
    stream.destroy();
  }
}
