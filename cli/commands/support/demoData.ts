/**
 * The bundled sample dataset of `friend-import demo` (cli/demo/, made by
 * scripts/make-demo-data.ts) and the check of a job's outcome against what the sample expects.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_DIR } from '../../stack/temporalCli.js';
import type { SourceFormat } from '../../../core/jobTypes.js';
import type { JobSummaryJson } from './summary.js';

interface DemoExpectation {
  status: string;
  lines: number;
  items: number;
  imported: number;
  failed: number;
  failedByCode: Record<string, number>;
  superseded: number;
}

interface DemoManifest {
  emulator: { accounts: string; foreignAccounts: string; sensitiveWords: string[] };
  jobs: { file: string; format: SourceFormat; expect: DemoExpectation; cases: Record<string, number> }[];
}

export { DEMO_DIR };

export async function loadDemo(dir = DEMO_DIR): Promise<DemoManifest> {
  return JSON.parse(await readFile(join(dir, 'demo.json'), 'utf8')) as DemoManifest;
}

export async function readIds(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** What differs between a job's summary and the expectation, one phrase each (empty = as expected). */
export function differences(actual: JobSummaryJson, expect: DemoExpectation): string[] {
  const out: string[] = [];
  if (actual.status !== expect.status) out.push(`status ${actual.status}, expected ${expect.status}`);
  for (const key of ['lines', 'items', 'imported', 'failed', 'superseded'] as const)
    if (actual[key] !== expect[key]) out.push(`${key} ${actual[key]}, expected ${expect[key]}`);
  const codes = new Set([...Object.keys(actual.failedByCode), ...Object.keys(expect.failedByCode)]);
  for (const code of [...codes].sort()) {
    const a = actual.failedByCode[code] ?? 0;
    const e = expect.failedByCode[code] ?? 0;
    if (a !== e) out.push(`failed with ${code}: ${a}, expected ${e}`);
  }
  return out;
}
