/**
 * `npm run stack:prod`: the pinned Temporal server on a throw-away PostgreSQL cluster, configured
 * like docker-compose.yml's (deploy/temporal/), until Ctrl-C. Prints the address, then one line
 * `ready {…}` with the stack's details as JSON (for scripts that wait on it). SIGINT or SIGTERM
 * stops the server and PostgreSQL and removes the temp folder.
 *
 *   --port <n>       frontend gRPC port (default: a free one)
 *   --namespace <ns> default: default
 *   --log-level <l>  the server's log level (default: warn)
 */
import { parseArgs } from 'node:util';
import { startProdStack, type ProdStack } from './stack.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    namespace: { type: 'string' },
    'log-level': { type: 'string' },
  },
});

const log = (line: string): void => console.error(`[prod-stack] ${line}`);
const starting = new AbortController();
const running: { stack?: ProdStack } = {};
let stopping = false;

const stop = (stack: ProdStack): void => {
  log('stopping the server and PostgreSQL…');
  stack.stop().then(
    () => {
      log('stopped; temp folder removed');
      process.exit(0);
    },
    (err: unknown) => {
      log(`stop failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
};

/** During the start: abort it (it cleans up after itself). Once running: stop the stack. */
const shutdown = (signal: string): void => {
  if (stopping) {
    log(`${signal} again: exiting now (the watchdogs stop what is left)`);
    process.exit(1);
  }
  stopping = true;
  log(`${signal}`);
  if (running.stack) stop(running.stack);
  else starting.abort(new Error(`${signal} during the start`));
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

const stack = await startProdStack({
  signal: starting.signal,
  port: values.port ? Number(values.port) : undefined,
  namespace: values.namespace,
  logLevel: values['log-level'],
  log,
}).catch((err: unknown) => {
  log(stopping ? 'start aborted; temp folder removed' : `could not start: ${(err as Error).message}`);
  process.exit(1);
});
running.stack = stack;
// A signal in the moment between the start's end and here found nothing to stop.
if (stopping) stop(stack);
else {
  console.log(
    `Temporal ${stack.serverVersion} on PostgreSQL: ${stack.address} (namespace ${stack.namespace})`,
  );
  console.log(
    `ready ${JSON.stringify({
      address: stack.address,
      namespace: stack.namespace,
      metricsUrl: stack.metricsUrl,
      pg: stack.pg,
      dir: stack.dir,
      pids: stack.pids(),
      serverVersion: stack.serverVersion,
      startupMs: stack.startupMs,
    })}`,
  );
  log('running until Ctrl-C');
}

// Keeps the event loop alive until a signal arrives (the children's pipes alone may not).
setInterval(() => {}, 1 << 30);
