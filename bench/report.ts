/** How the benchmark prints its figures: one block per run, plain text that goes into RESULTS.md as is. */
import type { RunFigures } from './throughput.js';
import { formatTimeline } from './timeline.js';
import type { UserHistory } from './userHistory.js';

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

export function formatRun(r: RunFigures, rate: number): string {
  const s = r.elapsedMs / 1000;
  const ceiling = r.callsMin / rate;
  const ratio = ceiling / s;
  const expectedFailed = 0;
  const lines = [
    `${r.dataset} ${r.who}: ${r.users} users, ${r.items} items`,
    `  calls ${r.calls} (calls_min ${r.callsMin}); ceiling ${f1(ceiling)} s; elapsed ${f1(s)} s; ` +
      `${f1(r.calls / s)} calls/s; ratio (calls_min/${rate}) ÷ elapsed = ${f2(ratio)}${ratio >= 0.9 ? '' : '  [target ≥ 0.9 missed]'}`,
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
  if (r.frontend) {
    const wft = r.frontend.RespondWorkflowTaskCompleted ?? 0;
    const act = r.frontend.RespondActivityTaskCompleted ?? 0;
    lines.push(
      `  per friend_import call: ${f2(wft / r.calls)} workflow tasks completed, ${f2(act / r.calls)} activity tasks completed` +
        (r.history
          ? `, ${f1((r.history.userEvents + sum(r.history.jobEvents)) / r.calls)} history events`
          : ''),
      `  frontend requests: ${Object.entries(r.frontend)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  if (r.history) {
    const h = r.history;
    lines.push(
      `  user workflows: ${h.userRuns} runs, ${f1(h.userEvents / Math.max(1, h.userRuns))} events and ` +
        `${(h.userBytes / Math.max(1, h.userRuns) / 1024).toFixed(1)} KiB each on average (max ${h.maxUserEvents} events)`,
      `  bulk job: ${h.jobRuns} runs (continue-as-new), events per run ${JSON.stringify(h.jobEvents.sort((a, b) => b - a).slice(0, 20))}${h.jobEvents.length > 20 ? ' …' : ''}; max ${Math.max(...h.jobEvents)}`,
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
    `one user, ${h.friends} friends via the ${h.path} path: ${h.imported} imported in ${h.calls} calls; ` +
    `${h.runs} run(s), ${h.events} history events, ${(h.bytes / 1024).toFixed(1)} KiB of history\n  events: ${types}`
  );
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
