/**
 * Imports only point down the layers (docs/architecture.md): ESLint's folder rules fail a
 * back-pointing import, which `npm run lint` runs. Each case writes a small file into the folder
 * it probes, lints it with the project's own configuration, and removes it.
 */
import { ESLint } from 'eslint';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { projectRoot } from '../../cli/stack/temporalCli.js';

const eslint = new ESLint({ cwd: projectRoot });
const written: string[] = [];

async function lint(folder: string, code: string): Promise<string[]> {
  const file = join(projectRoot, folder, `_layer_probe_${written.length}.ts`);
  written.push(file);
  await writeFile(file, code);
  const [result] = await eslint.lintFiles([file]);
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layers', { timeout: 120_000 }, () => {
  after(async () => {
    for (const file of written) await rm(file, { force: true });
  });

  it('fails an import that points up, and names the rule', async () => {
    const cases: [string, string][] = [
      [
        'core',
        "import { createBulkActivities } from '../activities/bulk.js';\nexport const x = createBulkActivities;\n",
      ],
      [
        'activities',
        "import { pauseJobUpdate } from '../core/definitions.js';\nimport { BulkImportWorkflow } from '../workflows/bulkImport.js';\nexport const x = [BulkImportWorkflow, pauseJobUpdate];\n",
      ],
      ['client', "import { startStack } from '../cli/stack/stack.js';\nexport const x = startStack;\n"],
      // The worker and the library stand side by side: what both need lives in connection/.
      [
        'workers',
        "import { createFriendImporter } from '../client/index.js';\nexport const x = createFriendImporter;\n",
      ],
      [
        'connection',
        "import { importFriends } from '../client/userImports.js';\nexport const x = importFriends;\n",
      ],
      // The coordinator's rules are pure; its holder (I/O, timers) stands with the activities.
      [
        'coordination/rules',
        "import { HolderSession } from '../holder/holder.js';\nexport const x = HolderSession;\n",
      ],
      [
        'core',
        "import { HolderSession } from '../coordination/holder/holder.js';\nexport const x = HolderSession;\n",
      ],
      // Formats sit below the activities and the CLI that read and write them.

      [
        'formats',
        "import { createBulkActivities } from '../activities/bulk.js';\nexport const x = createBulkActivities;\n",
      ],
      ['workflows', "import { ImClient } from '../im/node/client.js';\nexport const x = ImClient;\n"],
      ['im', "import { LOCAL_IM_APP } from '../config/im.js';\nexport const x = LOCAL_IM_APP;\n"],
    ];
    for (const [folder, code] of cases) {
      const messages = await lint(folder, code);
      assert.ok(
        messages.some(
          (m) =>
            m.startsWith('@typescript-eslint/no-restricted-imports') &&
            /may only import|may import only/.test(m),
        ),
        `${folder}: ${messages.join(' | ') || 'no error'}`,
      );
    }
  });

  it('keeps Node built-ins out of the code that runs in the workflow sandbox', async () => {
    for (const folder of ['core', 'workflows', 'coordination/rules'])
      assert.ok(
        (
          await lint(folder, "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n")
        ).some((m) => m.includes('no Node built-ins')),
        folder,
      );
  });

  it('lets imports point down, and the client take types from workflows', async () => {
    const cases: [string, string][] = [
      [
        'client',
        "import type { BulkImportWorkflow } from '../workflows/bulkImport.js';\nimport { bulkJobWorkflowId } from '../core/definitions.js';\nimport { connectClient } from '../connection/connect.js';\nexport type W = typeof BulkImportWorkflow;\nexport const x = [bulkJobWorkflowId, connectClient];\n",
      ],
      ['workers', "import { codecFromEnv } from '../connection/codec.js';\nexport const x = codecFromEnv;\n"],
      [
        'workflows',
        "import { applyLeaseRequest } from '../coordination/rules/leases.js';\nexport const x = applyLeaseRequest;\n",
      ],
    ];
    for (const [folder, code] of cases) assert.deepEqual(await lint(folder, code), [], folder);
  });
});
