import { AppException, Errors } from '../../common/errors/app-exception';

/** Stable error codes of the scheduler. */
export const SchedulerErrors = {
  taskNotFound: (id: string) => new AppException(404, 'TASK_NOT_FOUND', `scheduled task '${id}' not found`),
  stateConflict: (id: string, status: string, action: string, allowedFrom: readonly string[]) =>
    Errors.conflict(
      'TASK_STATE_CONFLICT',
      `cannot ${action} task '${id}': it is ${status} (${action} applies to ${allowedFrom.join(' or ')} tasks)`,
      { status, action, allowed_from: allowedFrom },
    ),
  /** A schedule value, time zone or limit that is well-formed JSON but means nothing usable. */
  invalidField: (field: string, code: string, message: string) =>
    Errors.unprocessable(code, `${field}: ${message}`, { field, errors: [{ field, messages: [message] }] }),
  jobNotFound: (name: string, known: string[]) =>
    new AppException(404, 'JOB_NOT_FOUND', `scheduler job '${name}' not found (jobs: ${known.join(', ')})`),
  jobBusy: (name: string) => Errors.conflict('JOB_BUSY', `scheduler job '${name}' is running on another replica right now`),
};
