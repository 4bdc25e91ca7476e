/** `friend-import worker`: runs a worker against the configured cluster and IM app (docs/cli.md). */
import type { Command } from 'commander';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run a worker against the configured Temporal cluster (TEMPORAL_*) and IM app (IM_*); SIGINT/SIGTERM drain and stop it',
    )
    .addHelpText(
      'after',
      '\nIt takes no flags: everything comes from the environment — TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,\n' +
        'TEMPORAL_TASK_QUEUE and the TLS / API-key variables; IM_SDKAPPID, IM_ADMIN_IDENTIFIER,\n' +
        'IM_SECRET_KEY, IM_BASE_URL or IM_REGION, IM_RATE_LIMIT (or IM_APPS_FILE, a JSON file of several\n' +
        'apps, instead); WORKER_* for its own limits, metrics and\n' +
        'health ports; FRIEND_IMPORT_CODEC_KEYS for payload encryption (docs/configuration.md lists them all).\n' +
        'Once its workers run it prints one line on stdout: ready {"taskQueue":…,"callsTaskQueue":…}',
    )
    .action(async () => {
      const { runWorker } = await import('../../workers/main.js');
      await runWorker({
        env: process.env,
        // One machine-readable line once the workers exist, for scripts and tests to wait on.
        onReady: (info) => process.stdout.write(`ready ${JSON.stringify(info)}\n`),
      });
    });
}
