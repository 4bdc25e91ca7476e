/** How the benchmark prints its figures: one block per run, plain text that goes into RESULTS.md as is. */
import type { RunFigures } from './throughput.js';
import { billableActions } from './throughput.js';
import { formatTimeline } from './timeline.js';
import type { UserHistory } from './userHistory.js';

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

export function formatRun(r: RunFigures, rate: number): string {
  const s = r.elapsedMs / 1000;
  const ceiling = r.callsMin / rate;
  const ratio = ceiling / s;
  const target = r.dataset.startsWith('B') ? 0.7 : 0.9;
  const expectedFailed = 0;
  const lines = [
    `${r.dataset} ${r.who}: ${r.users} users, ${r.items} items`,
    `  calls ${r.calls} (calls_min ${r.callsMin}); ceiling ${f1(ceiling)} s; elapsed ${f1(s)} s; ` +
      `${f1(r.calls / s)} calls/s; ratio (calls_min/${rate}) ÷ elapsed = ${f2(ratio)}${ratio >= target ? '' : `  [target ≥ ${target} missed]`}`,
    `  max calls in any 1-s window ${r.maxWindow}${r.maxWindow > rate ? '  [over the rate]' : ''}; overlaps ${r.overlaps}; ` +
      `rate-limited ${r.rateLimited}; answers ${JSON.stringify(r.emulatorCodes)}`,
    `  imported ${r.imported} / expected ${r.items}; failed ${r.failed} / expected ${expectedFailed}; ` +
      `emulator state: ${r.state.missing} missing or different, ${r.state.unexpected} unexpected` +
      (r.state.examples.length ? ` (${r.state.examples.slice(0, 3).join('; ')})` : ''),
    `  CPU (cores busy on average): ${Object.entries(r.cores)
      .map(([k, v]) => `${k} ${f2(v)}`)
      .join(', ')}`,
  ];
  if (r.peakWorkerRssMiB !== undefined)
    lines.push(
      `  worker RSS: ${r.startWorkerRssMiB?.toFixed(0)} MiB once started; peak sampled during the job ${r.peakWorkerRssMiB.toFixed(0)} MiB; VmHWM (whole life, incl. start-up bundling) ${r.workerHwmMiB?.toFixed(0)} MiB`,
    );
  if (r.frontend && r.history) {
    const h = r.history;
    const events = h.userEvents + sum(h.jobEvents) + h.coordinatorEvents;
    const actions = billableActions(r.frontend, r.timeline?.timers ?? 0);
    const totalActions = sum(Object.values(actions));
    const cpuMs = (((r.cores.devServer ?? 0) + sumWorkers(r.cores)) * r.elapsedMs) / r.calls;
    lines.push(
      `  history events per call (all workflows of the job: job ${sum(h.jobEvents)} in ${h.jobRuns} run(s), coordinator ${h.coordinatorEvents} in ${h.coordinatorRuns} run(s), per-user ${h.userEvents} in ${h.userRuns}): ` +
        `${(events / r.calls).toFixed(3)}${events / r.calls <= 0.05 ? '' : '  [target ≤ 0.05 missed]'}`,
      `  billable actions per call: ${(totalActions / r.calls).toFixed(4)}${totalActions / r.calls <= 0.02 ? '' : '  [target ≤ 0.02 missed]'} ` +
        `(${Object.entries(actions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
      `  CPU per call, worker(s) + dev server: ${cpuMs.toFixed(2)} ms${cpuMs <= 8 ? '' : '  [target ≤ 8 ms missed]'}`,
      `  frontend requests: ${Object.entries(r.frontend)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 14)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  if (r.timeline) lines.push(formatTimeline(r.timeline));
  if (r.plain)
    lines.push(
      `  plain script: ${r.plain.batches} batches, ${r.plain.retries} retries; per-item codes ${JSON.stringify(r.plain.itemCodes)}`,
    );
  return lines.join('\n');
}

export function formatUserHistory(h: UserHistory): string {
  const types = Object.entries(h.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `one user, ${h.friends} friends via the ${h.path} path${h.path === 'bulk' ? ' (the job workflow)' : ''}: ${h.imported} imported in ${h.calls} calls; ` +
    `${h.runs} run(s), ${h.events} history events, ${(h.bytes / 1024).toFixed(1)} KiB of history\n  events: ${types}`
  );
}

function sumWorkers(cores: Record<string, number>): number {
  return sum(
    Object.entries(cores)
      .filter(([k]) => k.startsWith('worker'))
      .map(([, v]) => v),
  );
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
