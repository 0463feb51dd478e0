import { AppException } from '../../common/errors/app-exception';

export const SessionErrors = {
  notFound: (key: string) => new AppException(404, 'SESSION_NOT_FOUND', `session '${key}' not found`),
  exists: (key: string) => new AppException(409, 'SESSION_EXISTS', `session '${key}' already exists`),
  agentDeleted: (key: string, agentId: string) =>
    new AppException(
      409,
      'AGENT_DELETED',
      `session '${key}' belongs to agent '${agentId}', which was deleted; recreate the agent or use another session`,
      { agent_id: agentId },
    ),
  forkPointOutOfRange: (forkPoint: number, total: number) =>
    new AppException(
      422,
      'INVALID_FORK_POINT',
      `fork_point ${forkPoint} is outside the source transcript (0..${total} messages)`,
    ),
  acpDisabled: () =>
    new AppException(
      400,
      'ACP_DISABLED',
      'ACP runtime is disabled: enable subagents.acp and configure a command or target',
      {
        hint: 'set subagents.acp.enabled and subagents.acp.command (or a target under subagents.acp.targets)',
      },
    ),
  unknownRuntime: (runtime: string) =>
    new AppException(400, 'UNKNOWN_RUNTIME', `unknown runtime '${runtime}': use "agent" (default) or "acp"`),
  invalidCursor: () =>
    new AppException(400, 'INVALID_CURSOR', 'cursor is not a cursor returned by a previous history page'),
};
