/**
 * Finds or builds the object store's server (SeaweedFS `weed`, cli/stack/weedBinary.ts) into
 * .cache/, without starting it. `.ci/run` runs it before the tests, so their timings never include
 * the build; `friend-import dev --object-store` and the tests build it themselves when it is
 * missing. Idempotent.
 */
import { ensureWeedBinary } from '../cli/stack/weedBinary.js';

const started = Date.now();
const weed = await ensureWeedBinary((line) => console.log(line));
console.log(
  `SeaweedFS weed (${weed.source}): ${weed.path}\n  ${weed.version}\n  (${Date.now() - started} ms)`,
);
