/**
 * Installs what the production-like stack needs, without starting it: Debian's PostgreSQL and the
 * pinned Temporal server and SQL schema tool (built with go install into .cache/ when missing).
 * `.ci/run` runs it before the tests, so their timings never include the build. Idempotent.
 */
import { ensureServerBinaries } from './binaries.js';
import { ensurePostgresBin } from './postgres.js';

const started = Date.now();
const log = (line: string): void => console.log(line);
const pgBin = await ensurePostgresBin(log);
console.log(`PostgreSQL binaries: ${pgBin}`);
const binaries = await ensureServerBinaries(log);
console.log(`Temporal server (${binaries.source}): ${binaries.server}\n  ${binaries.version}`);
console.log(`SQL schema tool: ${binaries.sqlTool}\nschemas: ${binaries.schemaDir}`);
console.log(`(${Date.now() - started} ms)`);
