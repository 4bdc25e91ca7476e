/**
 * The one S3 client of the process, made the first time an `s3://` location is used, from the
 * settings the process's entry point registers (config/objectStore.ts): a process that never
 * meets such a location needs no AWS settings at all. Credentials come from the SDK's default
 * chain and never pass through our code, our errors or a job's input.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { objectStoreSettings, settingsGeneration } from './settings.js';

/**
 * The SDK warns on Node 20 that its versions published after January 2027 will need Node 22. The
 * lock file pins a version that supports Node 20 (our `engines`), so that warning, printed into
 * every CLI run and worker log, says nothing about this build; an operator who sets the variable
 * to anything else still sees it.
 */
export function quietSdkNodeWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

let client: { s3: S3Client; generation: number } | undefined;

export function objectStoreClient(): S3Client {
  if (client?.generation === settingsGeneration()) return client.s3;
  const { settings: s, generation } = objectStoreSettings();
  client?.s3.destroy();
  quietSdkNodeWarning();
  const s3 = new S3Client({
    ...(s.endpoint !== undefined && { endpoint: s.endpoint }),
    ...(s.region !== undefined && { region: s.region }),
    forcePathStyle: s.forcePathStyle,
    // S3-compatible stores may not know the SDK's default CRC checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  client = { s3, generation };
  return s3;
}

const stats = { bytesFetched: 0, gets: 0 };

/** What this process has read from the store so far (for benchmarks and tests). */
export function objectStoreStats(): { bytesFetched: number; gets: number } {
  return { ...stats };
}

export function countFetched(bytes: number): void {
  stats.bytesFetched += bytes;
}

export function countGet(): void {
  stats.gets++;
}
