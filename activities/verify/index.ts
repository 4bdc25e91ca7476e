/**
 * A verify job's activities: the import job's permanent failures read once before the first page,
 * `verifyPage` (one page of reads), and the report merged at the end.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ReportFiles } from '../../core/activities.js';
import type { VerifyTotals } from '../../core/verifyTypes.js';
import { reportFailure, writingReport } from '../reportFolder.js';
import { createVerifyPage, type VerifyPageDeps } from './verifyPage.js';
import {
  expectedAbsentFile,
  finalizeVerifyReport,
  NoOutcomesError,
  writeExpectedAbsent,
} from '../../formats/verifyReport.js';

export function createVerifyActivities(deps: VerifyPageDeps) {
  return {
    verifyPage: createVerifyPage(deps),

    async prepareVerify(input: {
      importReportDir: string;
      reportDir: string;
    }): Promise<{ expectedAbsentFile: string; permanent: number }> {
      await deps.roots.check({
        "import job's report folder": input.importReportDir,
        'report folder': input.reportDir,
      });
      try {
        const { permanent } = await writeExpectedAbsent(input.importReportDir, input.reportDir);
        return { expectedAbsentFile: expectedAbsentFile(input.reportDir), permanent };
      } catch (err) {
        if (err instanceof NoOutcomesError)
          throw ApplicationFailure.nonRetryable(err.message, 'ImportJobUnreadable');
        throw reportFailure(err, input.reportDir);
      }
    },

    async finalizeVerify(input: ReportFiles & { repairJsonl: string }): Promise<VerifyTotals> {
      await deps.roots.check({
        'report folder': input.reportDir,
        report: input.reportJsonl,
        'CSV report': input.reportCsv,
        'repair file': input.repairJsonl,
      });
      return writingReport(input.reportJsonl, () => finalizeVerifyReport(input));
    },
  };
}
