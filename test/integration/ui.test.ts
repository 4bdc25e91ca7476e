/**
 * The Temporal Web UI served by the dev server, in a real headless Chromium (Debian `chromium`
 * driven by playwright-core): our search attributes filter the list, and summaries make a bulk
 * job and a user's import readable there (visible, docs/architecture.md). Screenshots go to
 * test-output/.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBulkJob } from '../../client/bulkJobs.js';
import { importFriends } from '../../client/userImports.js';
import { projectRoot } from '../../cli/stack/temporalCli.js';
import { friendItems, submitted } from '../support/data.js';
import { writeJsonl } from '../support/files.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join(projectRoot, 'test-output');

describe('Temporal UI in a real browser', { timeout: 240_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let dir: string;

  before(async () => {
    stack = await startStack({ worker: false, devServer: { ui: true } });
    // Only the main worker: a service import's friend_import call waits in its queue, so the
    // user's import stays running while the browser looks at it; slow answers keep the job's page
    // running too.
    await stack.startWorker({}, { role: 'main' });
    dir = await mkdtemp(join(tmpdir(), 'ui-'));
    await mkdir(OUT, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('filters by our search attributes and shows the job, its running page and a user import with their summaries', async () => {
    // 20 users, one call at a time, 3 s each: the job outlives the browser's visit.
    const users = Array.from({ length: 20 }, (_, i) => `ui-u${i}`);
    stack.emulator.seedAccounts([
      ...users,
      ...users.flatMap((u) => friendItems(3, `${u}-`).map((i) => i.To_Account)),
    ]);
    stack.emulator.setFaults({ rules: [{ kind: 'slow', delayMs: 3_000, fromAccounts: users }] });
    const file = join(dir, 'ui.jsonl');
    await writeJsonl(
      file,
      users.map((from) => ({ from, items: friendItems(3, `${from}-`) })),
    );
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      { jobId: 'ui-job', path: file, format: 'jsonl', report: join(dir, 'r.jsonl'), concurrency: 1 },
    );
    const alice = await importFriends(stack.target, 'ui-alice', submitted(friendItems(3, 'ui-alice-')), {
      submissionId: 'ui-alice-1',
    });
    const userWorkflowId = alice.workflowId;
    // Wait until the user's import is visible (visibility is eventually consistent).
    for (let i = 0; i < 100; i++) {
      const { count } = await stack.client.workflow.count(`ImportFromAccount = 'ui-alice'`);
      if (count > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const ui = stack.devServer.uiUrl!;
    const list = async (query: string, expectedId: string, shot: string): Promise<void> => {
      await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
      await page.getByText(expectedId, { exact: false }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(OUT, shot), fullPage: true });
    };
    await list(`ImportJobId = "${job.jobId}"`, job.workflowId, 'ui-job-list.png');
    const rows = await page.locator('text=friend-import:').count();
    assert.equal(rows, 0, 'the job filter shows the job, not the users');
    await list(`ImportFromAccount = "ui-alice"`, userWorkflowId, 'ui-user-list.png');

    const describe = await stack.client.workflow.getHandle(job.workflowId).describe();
    await page.goto(
      `${ui}/namespaces/default/workflows/${encodeURIComponent(job.workflowId)}/${describe.runId}/history`,
    );
    await page.getByText(`Bulk friend import ${job.jobId}`).first().waitFor({ timeout: 30_000 });
    // The running page is an activity with its summary.
    await page.getByText('page 1 from line 1').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(OUT, 'ui-job-detail.png'), fullPage: true });

    const user = await stack.client.workflow.getHandle(userWorkflowId).describe();
    await page.goto(
      `${ui}/namespaces/default/workflows/${encodeURIComponent(userWorkflowId)}/${user.runId}/history`,
    );
    await page.getByText('Friend import for ui-alice').first().waitFor({ timeout: 30_000 });
    // The activity's summary names the user and the batch.
    await page.getByText('friend_import ui-alice: 3 items').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(OUT, 'ui-user-detail.png'), fullPage: true });

    await job.cancel();
    await alice.cancel();
    stack.emulator.setFaults(undefined);
    // The page ends its call in flight and the job writes its report before the stack stops.
    assert.equal((await job.result()).state, 'cancelled');
  });
});
