/**
 * The bulk job's activities: `importPage` (activities/page/importPage.ts), and the report and the
 * retry file (./retryFile.ts) written at the end from the pages' outcome files; and a verify job's
 * (activities/verify/), which run on the same workers with the same coordinator.
 */
import type { FinalReport, ImportReportFiles, JobActivities } from '../core/activities.js';
import { finalizeReport } from '../formats/importReport.js';
import { createPrepareAccounts } from './accounts/prepareAccounts.js';
import { createImportPage, type ImportPageDeps } from './page/importPage.js';
import { writingReport } from './reportFolder.js';
import { writeJobRetryFile } from './retryFile.js';
import { createVerifyActivities } from './verify/index.js';
import { createSyncActivities } from './sync/planSync.js';

export function createBulkActivities(deps: ImportPageDeps): JobActivities {
  return {
    importPage: createImportPage(deps),
    prepareAccounts: createPrepareAccounts(deps),

    async finalizeReport(input: ImportReportFiles): Promise<FinalReport> {
      await deps.roots.check({
        'report folder': input.reportDir,
        report: input.reportJsonl,
        'CSV report': input.reportCsv,
      });
      const { rows } = await writingReport(input.reportJsonl, () =>
        finalizeReport(input.reportDir, input.reportJsonl, input.reportCsv),
      );
      if (input.retryFile === false) return { rows };
      return { rows, ...(await writeJobRetryFile(input, deps.roots)) };
    },

    ...createVerifyActivities(deps),
    ...createSyncActivities(deps),
  };
}
