/**
 * `friend-import demo [--keep] [--report-dir DIR]` (what `npm start` runs; docs/cli.md): starts
 * the embedded stack on free ports, seeds the emulator, imports the bundled sample dataset
 * (cli/demo/) through real bulk jobs with live progress, prints each summary, verifies each
 * import against the emulator (a verify job, fields compared: every expected pair present, the
 * bad rows absent), prints where the reports and the Temporal UI are, and exits 0 when every job
 * ended as cli/demo/demo.json expects and every verify found nothing (1 with the differences
 * otherwise). The demo is hermetic: TEMPORAL_* and IM_* are not used.
 */
import type { Command } from 'commander';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT, exitAfterOutput } from './errors.js';
import { MAX_CONCURRENCY, parseConcurrency } from './support/options.js';

/** 50 calls in flight: the progress moves from the first seconds on (the dataset has ~300 users). */
const DEMO_CONCURRENCY = 50;

interface DemoOptions {
  keep?: boolean;
  reportDir: string;
  concurrency?: number;
}

async function runDemo(opts: DemoOptions): Promise<number> {
  const { randomUUID } = await import('node:crypto');
  const { loadImSettings } = await import('../../config/im.js');
  const { loadLogLevel } = await import('../../config/worker.js');
  const { startBulkJob } = await import('../../client/bulkJobs.js');
  const { startVerifyJob } = await import('../../client/verifyJobs.js');
  const { followVerify, formatVerifySummary, verdict, differencesOf } =
    await import('./support/verifyView.js');
  const { TEMPORAL_DEFAULTS } = await import('../../connection/connect.js');
  const { startEmbeddedStack } = await import('../stack/embedded.js');
  const { createLogger, temporalLogger } = await import('../../workers/logger.js');
  const { DEMO_DIR, loadDemo, readIds, differences } = await import('./support/demoData.js');
  const { followJob } = await import('./support/jobView.js');
  const { formatSummary } = await import('./support/summary.js');
  const { count } = await import('./support/format.js');
  const say = (line = ''): void => void process.stdout.write(`${line}\n`);

  const logLevel = loadLogLevel(process.env, 'error');
  const manifest = await loadDemo();
  const accounts = await readIds(join(DEMO_DIR, manifest.emulator.accounts));
  const foreign = await readIds(join(DEMO_DIR, manifest.emulator.foreignAccounts));
  say(
    'friend-import demo: starting the embedded stack (Temporal dev server with its UI, IM emulator, worker)…',
  );

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  // Ctrl-C: the stack is this process's, so it goes with it.
  const onSigint = (): void => {
    process.stderr.write('\nfriend-import demo: interrupted, stopping…\n');
    void stopAll().finally(() => process.exit(EXIT.interrupted));
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    // Never the operator's IM_* settings: the demo's app is the embedded local one.
    const base = loadImSettings({}, { local: true, localBaseUrl: 'http://127.0.0.1/' });
    const stack = await startEmbeddedStack({
      im: base,
      emulator: {
        port: 0,
        rateLimit: base.rateLimit,
        accounts,
        foreignAccounts: foreign,
        sensitiveWords: manifest.emulator.sensitiveWords,
      },
      devServer: { ui: true },
      taskQueue: TEMPORAL_DEFAULTS.taskQueue,
      logger: temporalLogger(createLogger(logLevel)),
    });
    stops.push(() => stack.stop());
    const { devServer, client, im, taskQueue } = stack;
    say(`  Temporal     ${devServer.address}`);
    say(`  Temporal UI  ${devServer.uiUrl ?? '(none)'}`);
    say(
      `  IM emulator  ${im.baseUrl} (SDKAppID ${im.sdkAppId}, ${count(accounts.length, 'account')} seeded)`,
    );
    say(`  worker       in this process, friend_import at ${im.rateLimit}/s`);

    const problems: string[] = [];
    const reports: string[] = [];
    for (const job of manifest.jobs) {
      const jobId = `demo-${job.format}-${randomUUID().slice(0, 8)}`;
      const file = join(DEMO_DIR, job.file);
      say();
      say(`Importing ${file} (${job.format}) as job ${jobId}…`);
      // What both jobs of this file share: the stack, the file, the pace, how they are followed.
      const target = { client, taskQueue };
      const source = { path: file, format: job.format, concurrency: opts.concurrency ?? DEMO_CONCURRENCY };
      const following = { progress: true, detachHint: 'friend-import demo: interrupted.' };
      const handle = await startBulkJob(target, {
        ...source,
        jobId,
        report: resolve(opts.reportDir, jobId, 'report.jsonl'),
      });
      const summary = await followJob(handle, following);
      say(formatSummary(summary));
      const diff = differences(summary, job.expect);
      if (diff.length > 0) problems.push(`${job.file}: ${diff.join('; ')}`);
      if (summary.reportJsonl) reports.push(summary.reportJsonl, summary.reportCsv ?? '');

      // Then ask the service what it holds now: every pair the file imports, fields included; the
      // pairs of bad rows (rejected here, or refused for good by the service) must be absent.
      const verifyId = `${jobId}-verify`;
      say();
      say(`Verifying job ${jobId} against the IM emulator (friend_get, fields compared) as job ${verifyId}…`);
      const verifying = await startVerifyJob(target, {
        ...source,
        jobId: verifyId,
        fields: true,
        importJobId: jobId,
        report: resolve(opts.reportDir, verifyId, 'verify.jsonl'),
      });
      const checked = await followVerify(verifying, following);
      say(formatVerifySummary(checked));
      say(verdict(checked));
      if (checked.status !== 'completed' || differencesOf(checked) > 0)
        problems.push(`${job.file}: ${verdict(checked)}`);
      if (checked.reportJsonl) reports.push(checked.reportJsonl, checked.reportCsv ?? '');
    }

    say();
    if (problems.length === 0)
      say(`Demo: every job ended as ${join(DEMO_DIR, 'demo.json')} expects (each failure is on purpose).`);
    else {
      say(`Demo: the outcome differs from ${join(DEMO_DIR, 'demo.json')}:`);
      for (const p of problems) say(`  ${p}`);
    }
    say(
      'Reports (imports: one row per failed item, with its line, accounts, code and reason; verifies: one row per pair not as the file says):',
    );
    for (const r of reports.filter(Boolean)) say(`  ${r}`);
    say(
      `Temporal UI: ${devServer.uiUrl ?? '(none)'}${opts.keep ? '' : ' (it stops with the demo; run `friend-import demo --keep` to browse it)'}`,
    );
    if (opts.keep) {
      say('The stack keeps running; Ctrl-C stops it.');
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      await new Promise((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return problems.length === 0 ? EXIT.ok : EXIT.failure;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await stopAll();
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'start the embedded stack, import the bundled sample dataset with live progress, verify it, and check the outcome (what npm start runs)',
    )
    .option('--keep', 'keep the stack (and its Temporal UI) running after the import, until Ctrl-C')
    .option(
      '--report-dir <dir>',
      'folder for the reports: one subfolder per import job (its failure report) and per verify job (its diff report)',
      join(tmpdir(), 'friend-import-demo'),
    )
    .option(
      '--concurrency <n>',
      `calls in flight per import and per verify job, 1–${MAX_CONCURRENCY} (default ${DEMO_CONCURRENCY})`,
      parseConcurrency,
    )
    .action(async (opts: DemoOptions) => {
      await exitAfterOutput(await runDemo(opts));
    });
}
