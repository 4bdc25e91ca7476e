/**
 * What the benchmarks read about the processes they run: CPU time and memory from /proc, the
 * Temporal dev server's request counters from its Prometheus endpoint, the machine and its load.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

const TICKS_PER_SECOND = 100;

export interface ProcSample {
  /** user + system CPU time so far, ms (this process only; children are separate). */
  cpuMs: number;
  rssMiB: number;
  /** Peak resident set size so far (VmHWM), MiB. */
  hwmMiB: number;
}

export function procSample(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { cpuMs, rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** The dev server's frontend requests by operation (e.g. RespondWorkflowTaskCompleted). */
export async function frontendRequests(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('service_requests{') || !line.includes('service_name="frontend"')) continue;
    const op = /operation="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (op) out[op] = (out[op] ?? 0) + value;
  }
  return out;
}

export function diffCounts(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? '?';
  } catch {
    return 'not found';
  }
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return (
    `${cpus().length} × ${cpu} (nproc ${version('nproc', [])}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `Node ${process.version}, ${version('go', ['version'])}`
  );
}

/** The commit the benchmark ran, and whether the code it runs differed from it. */
export function commit(): string {
  const hash = version('git', ['rev-parse', '--short', 'HEAD']);
  // The shipped folders, as package.json lists them (what a build is made of).
  const { files } = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
  const sources = files.filter((f) => f !== 'dist');
  const dirty = execFileSync('git', ['status', '--porcelain', '--', ...sources], { encoding: 'utf8' }).trim();
  return dirty ? `${hash} (with uncommitted changes in ${dirty.split('\n').length} source files)` : hash;
}

export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
