/**
 * The library's `notify` job option (docs/cli.md, "Notifications"): the URL checked where the
 * caller gives it, so a bad one is refused before any job starts (the CLI exits 2), and put in the
 * job's input. The signing secret is the workers' own and never passes through here.
 */
import { notifyUrlProblem, type NotifyTarget } from '../core/notify.js';
import { JobStartError } from './jobs.js';

/** The job input's `notify` field for `url` (none without one); a JobStartError saying why a URL is refused. */
export function notifyField(url: string | undefined): { notify?: NotifyTarget } {
  if (url === undefined) return {};
  const problem = notifyUrlProblem(url);
  if (problem) throw new JobStartError(problem);
  return { notify: { url } };
}
