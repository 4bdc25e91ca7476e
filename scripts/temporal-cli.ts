// Finds the pinned Temporal CLI or builds it into .cache/ (`npm run temporal:install`).
import { ensureTemporalCli } from '../cli/stack/temporalCli.js';

const started = Date.now();
const cli = await ensureTemporalCli((line) => console.log(line));
console.log(`temporal CLI (${cli.source}): ${cli.path}\n  ${cli.version}\n  (${Date.now() - started} ms)`);
