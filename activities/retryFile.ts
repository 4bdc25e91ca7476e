/**
 * A bulk job's retry file, written at its end beside the report (docs/cli.md, the retry file),
 * from the source the job read and where it stopped reading.
 */
import { Context } from '@temporalio/activity';
import type { FinalReport, ImportReportFiles } from '../core/activities.js';
import { buildRetryFile, retryFilePath } from '../formats/retryFile.js';
import { writeWhole } from '../formats/storage/files.js';
import type { FileRoots } from './fileRoots.js';
import { writingReport } from './reportFolder.js';

/**
 * Writes the job's retry file; a source that can no longer be read (deleted, changed) leaves the
 * job without one, with a warning, rather than holding its end.
 */
export async function writeJobRetryFile(
  input: ImportReportFiles,
  roots: Pick<FileRoots, 'check'>,
): Promise<Omit<FinalReport, 'rows'>> {
  if (!input.source) return {};
  const note = {
    source: input.source,
    ...(input.etag !== undefined && { etag: input.etag }),
    ...(input.readTo && { readTo: input.readTo }),
  };
  const target = retryFilePath(input.reportJsonl, note.source.format);
  await roots.check({ source: note.source.path, 'retry file': target });
  let content: { text: string; items: number };
  try {
    content = await buildRetryFile({
      source: note.source,
      outcomesDir: input.reportDir,
      ...(note.readTo && { readTo: note.readTo }),
      target,
      ...(note.etag !== undefined && { chunks: { etag: note.etag } }),
    });
  } catch (err) {
    Context.current().log.warn('no retry file: the source cannot be read again', {
      source: note.source.path,
      error: String((err as Error | null)?.message ?? err),
    });
    return {};
  }
  await writingReport(target, () => writeWhole(target, content.text));
  return { retryFile: target, retryItems: content.items };
}
