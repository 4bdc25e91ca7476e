/** `friend-import worker`: runs a worker against the configured cluster and IM app (product.md §5). */
import type { Command } from 'commander';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run a worker against the configured Temporal cluster (TEMPORAL_*) and IM app (IM_*); SIGINT/SIGTERM drain and stop it',
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
