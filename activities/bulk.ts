/**
 * The bulk job's activities: `importPage` (activities/page/importPage.ts) and the report written
 * at the end from the pages' outcome files; and a verify job's (activities/verify/), which run on
 * the same workers with the same coordinator.
 */
import type { JobActivities, ReportFiles } from '../core/activities.js';
import { finalizeReport } from '../formats/importReport.js';
import { createImportPage, type ImportPageDeps } from './page/importPage.js';
import { writingReport } from './reportFolder.js';
import { createVerifyActivities } from './verify/index.js';

export function createBulkActivities(deps: ImportPageDeps): JobActivities {
  return {
    importPage: createImportPage(deps),

    async finalizeReport(input: ReportFiles): Promise<{ rows: number }> {
      await deps.roots.check({
        'report folder': input.reportDir,
        report: input.reportJsonl,
        'CSV report': input.reportCsv,
      });
      return writingReport(input.reportJsonl, () =>
        finalizeReport(input.reportDir, input.reportJsonl, input.reportCsv),
      );
    },

    ...createVerifyActivities(deps),
  };
}
