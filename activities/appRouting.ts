/**
 * One worker, several IM apps (docs/configuration.md, "Several IM apps"): the activities a worker
 * hosts once for every app it serves pick the app's own activities — its IM client and secret, its
 * coordinator, its rate — by the SDKAppID their input names.
 *
 * An input that names no app was scheduled by a build before several apps were served (a job or an
 * import still running across a deploy): it goes to the worker's app when the worker serves exactly
 * one. Anything else fails without retries, saying why, since no retry on this worker can help.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FriendImportInput, JobActivities, ServiceActivities } from '../core/activities.js';
import type { PageInput } from '../core/jobTypes.js';
import type { VerifyPageInput } from '../core/verifyTypes.js';
import { failureType } from '../im/errorCodes.js';

/** A job's page fails with this type when its worker cannot serve its app. */
export const APP_NOT_SERVED = 'ImAppNotServed';
/**
 * A user import's call fails with a configuration type (the run stops with the message, as for a
 * wrong secret) when its worker cannot serve its app: code 0 is no vendor code.
 */
export const APP_NOT_SERVED_CALL = failureType('config', 0);

/** Picks `apps`' entry for an input's SDKAppID; `fallback` serves inputs that name none. */
export function appPicker<T>(
  apps: ReadonlyMap<number, T>,
  failure: string,
  fallback?: number,
): (sdkAppId: number | undefined, what: string) => T {
  const served = [...apps.keys()].join(', ');
  const only = fallback ?? (apps.size === 1 ? [...apps.keys()][0] : undefined);
  return (sdkAppId, what) => {
    const app = sdkAppId ?? only;
    const found = app === undefined ? undefined : apps.get(app);
    if (found !== undefined) return found;
    throw ApplicationFailure.create({
      type: failure,
      nonRetryable: true,
      message:
        sdkAppId === undefined
          ? `${what} names no IM app (it was started by an earlier build) and this worker serves several (${served}): start it again with the app named`
          : `${what} is for IM app ${sdkAppId}, which this worker does not serve (it serves ${served}): add the app to IM_APPS_FILE, or run a worker for it`,
    });
  };
}

/** The bulk and verify jobs' activities of every app, behind one set that picks by the input's app. */
export function routeJobActivities(apps: ReadonlyMap<number, JobActivities>): JobActivities {
  const pick = appPicker(apps, APP_NOT_SERVED);
  // The report activities read and write files only (no IM call): any app's do.
  const any = [...apps.values()][0];
  if (!any) throw new RangeError('a worker serves at least one IM app');
  return {
    importPage: (input: PageInput) =>
      pick(input.sdkAppId, `page ${input.page} of job ${input.jobId}`).importPage(input),
    prepareAccounts: (input) =>
      pick(input.sdkAppId, `the accounts of page ${input.page} of job ${input.jobId}`).prepareAccounts(input),
    verifyPage: (input: VerifyPageInput) =>
      pick(input.sdkAppId, `page ${input.page} of verify job ${input.jobId}`).verifyPage(input),
    finalizeReport: (input) => any.finalizeReport(input),
    prepareVerify: (input) => any.prepareVerify(input),
    finalizeVerify: (input) => any.finalizeVerify(input),
    planSync: (input) => pick(input.sdkAppId, `the plan of sync job ${input.jobId}`).planSync(input),
  };
}

/** The user import's friendImport of every app; `fallback`: the app of a calls queue's own worker. */
export function routeFriendImport(
  apps: ReadonlyMap<number, ServiceActivities['friendImport']>,
  fallback?: number,
): ServiceActivities['friendImport'] {
  const pick = appPicker(apps, APP_NOT_SERVED_CALL, fallback);
  return (input: FriendImportInput) =>
    pick(input.sdkAppId, `the friend_import call for ${input.fromAccount}`)(input);
}
