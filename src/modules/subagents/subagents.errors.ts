import { AppException } from '../../common/errors/app-exception';

export const SubagentErrors = {
  unknownTarget: (name: string, known: string[]) =>
    new AppException(
      400,
      'ACP_UNKNOWN_TARGET',
      `unknown target '${name}': ${known.length ? `known ACP targets are ${known.join(', ')}` : 'no ACP targets are configured'} (subagents.acp.targets)`,
      { runtime_target: name, known_targets: known },
    ),
  targetDisabled: (name: string) =>
    new AppException(
      400,
      'ACP_TARGET_DISABLED',
      `ACP target '${name}' is disabled (subagents.acp.targets.${name}.enabled)`,
      {
        runtime_target: name,
      },
    ),
  multipleTargets: (names: string[]) =>
    new AppException(
      400,
      'ACP_MULTIPLE_TARGETS',
      `multiple targets configured (${names.join(', ')}) and none chosen: pass runtime_target or set subagents.acp.default_target`,
      { known_targets: names },
    ),
  taskRequired: () =>
    new AppException(
      400,
      'ACP_TASK_REQUIRED',
      'task is required with runtime "acp": it is the prompt sent to the external agent',
    ),
  busy: (max: number) =>
    new AppException(
      429,
      'SUBAGENTS_BUSY',
      `too many concurrent subagents: ${max} already running on this replica (subagents.acp.max_concurrent); retry when one finishes`,
      { max_concurrent: max, retry_after_secs: 5 },
      { 'Retry-After': '5' },
    ),
  runNotFound: (id: string) =>
    new AppException(404, 'SUBAGENT_RUN_NOT_FOUND', `subagent run '${id}' not found`),
  approvalNotFound: (id: string) => new AppException(404, 'APPROVAL_NOT_FOUND', `approval '${id}' not found`),
  approvalResolved: (id: string, status: string) =>
    new AppException(409, 'APPROVAL_ALREADY_RESOLVED', `approval '${id}' is no longer pending (${status})`, {
      status,
    }),
  invalidDecision: (got: unknown) =>
    new AppException(
      400,
      'INVALID_DECISION',
      `decision must be "approve" or "deny" (got ${JSON.stringify(got)})`,
    ),
};
