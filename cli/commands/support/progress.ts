/**
 * Live progress of a job on stderr (an import's here, a verify's look in verifyView.ts): a
 * cli-progress bar on a terminal, a plain line every few seconds otherwise (logs, CI). The
 * estimate is pure so it can be unit-tested.
 *
 * How far along: the file is read ahead of the imports, so `offset / sourceBytes` says how much of
 * the file is known; the items read so far, scaled by that fraction, estimate the file's items, and
 * the items with an outcome over that estimate is the fraction done. The ETA extrapolates it.
 */
import cliProgress from 'cli-progress';
import type { JobProgress } from '../../../core/jobTypes.js';
import { count, duration } from './format.js';
import { isFinished } from './summary.js';

export interface CallSample {
  at: number;
  calls: number;
}

export interface Estimate {
  /** 0–1. */
  fraction: number;
  /** Undefined until something is done. */
  etaMs?: number;
  callsPerSecond: number;
}

/** Samples older than this are dropped from the calls/s window. */
const RATE_WINDOW_MS = 10_000;

export function estimate(p: JobProgress, samples: readonly CallSample[]): Estimate {
  const read = p.eof ? 1 : p.sourceBytes > 0 ? Math.min(1, p.offset / p.sourceBytes) : 0;
  const expectedItems = read > 0 ? p.items / read : 0;
  const done = p.imported + p.failed;
  const finished = isFinished(p.state);
  const fraction = finished ? 1 : expectedItems > 0 ? Math.min(1, done / expectedItems) : 0;
  const etaMs =
    finished || fraction >= 1 ? 0 : fraction > 0 ? (p.elapsedMs * (1 - fraction)) / fraction : undefined;
  return { fraction, ...(etaMs !== undefined && { etaMs }), callsPerSecond: rate(samples) };
}

export function rate(samples: readonly CallSample[]): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.at <= first.at) return 0;
  return Math.max(0, (last.calls - first.calls) / ((last.at - first.at) / 1_000));
}

export function pushSample(samples: CallSample[], sample: CallSample): void {
  samples.push(sample);
  while (samples.length > 2 && (samples[0]?.at ?? 0) < sample.at - RATE_WINDOW_MS) samples.shift();
}

/** The plain progress line (also the bar's payload, field by field). */
export function progressLine(p: JobProgress, e: Estimate): string {
  const state = p.state === 'running' ? '' : ` [${p.state}]`;
  return (
    `job ${p.jobId}${state}: ${Math.floor(e.fraction * 100)}% · ${count(p.users, 'user')} · ${count(p.items, 'item')} · ` +
    `${count(p.imported)} imported · ${count(p.failed)} failed · ${e.callsPerSecond.toFixed(0)} calls/s · ` +
    `ETA ${e.etaMs === undefined ? '–' : duration(e.etaMs)}`
  );
}

export interface ProgressView<P = JobProgress> {
  update(p: P): void;
  /** Removes the bar (a terminal) so the summary prints on a clean line. */
  stop(): void;
}

interface ProgressViewOptions {
  stream?: NodeJS.WriteStream;
  /** Plain mode: print a line this often (default 5 s, or FRIEND_IMPORT_PROGRESS_MS). */
  plainEveryMs?: number;
  now?: () => number;
}

/** How one kind of job shows its progress: the bar's own figures, and the plain line. */
export interface ProgressLook<P> {
  /** The bar's format: the look's `figures`, and `{percentage}`, `{state}`, `{rate}`, `{etaText}`. */
  format: string;
  figures(p: P): Record<string, string>;
  estimate(p: P, samples: readonly CallSample[]): Estimate;
  line(p: P, e: Estimate): string;
}

const IMPORT_LOOK: ProgressLook<JobProgress> = {
  format:
    '{bar} {percentage}%{state} | {users} | {items} | {imported} imported | {failed} failed | {rate} calls/s | ETA {etaText}',
  figures: (p) => ({
    users: count(p.users, 'user'),
    items: count(p.items, 'item'),
    imported: count(p.imported),
    failed: count(p.failed),
  }),
  estimate,
  line: progressLine,
};

export function createProgressView(options: ProgressViewOptions = {}): ProgressView {
  return createJobProgressView(IMPORT_LOOK, options);
}

/** Live progress of any job on stderr: a bar on a terminal, a line every few seconds otherwise. */
export function createJobProgressView<P extends { state: string; calls: number }>(
  look: ProgressLook<P>,
  options: ProgressViewOptions = {},
): ProgressView<P> {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const samples: CallSample[] = [];
  const observe = (p: P): Estimate => {
    pushSample(samples, { at: now(), calls: p.calls });
    return look.estimate(p, samples);
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: look.format,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 24,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p) => {
        const e = observe(p);
        const payload = {
          state: p.state === 'running' ? '' : ` [${p.state}]`,
          ...look.figures(p),
          rate: e.callsPerSecond.toFixed(0),
          etaText: e.etaMs === undefined ? '–' : duration(e.etaMs),
        };
        const value = Math.round(e.fraction * 1_000);
        if (!started) bar.start(1_000, value, payload);
        else bar.update(value, payload);
        started = true;
      },
      stop: () => {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  const every = options.plainEveryMs ?? Number(process.env.FRIEND_IMPORT_PROGRESS_MS ?? 5_000);
  let last = -Infinity;
  return {
    update: (p) => {
      const e = observe(p);
      if (now() - last < every) return;
      last = now();
      stream.write(`${look.line(p, e)}\n`);
    },
    stop: () => undefined,
  };
}
