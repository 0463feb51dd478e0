import { AppException } from '../../common/errors/app-exception';
import { AGENT_ID_PATTERN } from '../agents/agent-id';
import { MAIN_AGENT_ID } from '../agents/agent.types';

export const SESSION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+#=-]{0,199}$/;

export interface ParsedSessionKey {
  key: string;
  agentId: string;
  name: string;
}

function invalid(key: string, problem: string): AppException {
  return new AppException(
    400,
    'INVALID_SESSION_KEY',
    `invalid session key '${key.slice(0, 300)}': ${problem}`,
    {
      expected: 'agent:<agentId>:<name>',
    },
  );
}

/**
 * Parses `agent:<agentId>:<name>` (the OpenClaw form). A bare name like `main`
 * means `agent:main:<name>`. The name may itself contain ':' (e.g. `telegram:123`).
 * Throws 400 INVALID_SESSION_KEY naming what is wrong.
 */
export function parseSessionKey(raw: string): ParsedSessionKey {
  if (typeof raw !== 'string' || raw.length === 0) throw invalid(String(raw ?? ''), 'it is empty');
  if (raw.length > 300) throw invalid(raw, 'it is longer than 300 characters');
  if (!raw.startsWith('agent:')) {
    if (!SESSION_NAME_PATTERN.test(raw)) {
      throw invalid(
        raw,
        'a bare session name must be 1-200 of A-Z a-z 0-9 . _ : @ + # = - starting with a letter or digit',
      );
    }
    return { key: `agent:${MAIN_AGENT_ID}:${raw}`, agentId: MAIN_AGENT_ID, name: raw };
  }
  const rest = raw.slice('agent:'.length);
  const colon = rest.indexOf(':');
  if (colon < 0) throw invalid(raw, 'it has no name part (expected agent:<agentId>:<name>)');
  const agentId = rest.slice(0, colon);
  const name = rest.slice(colon + 1);
  if (!agentId) throw invalid(raw, 'the agent id is empty');
  if (!AGENT_ID_PATTERN.test(agentId))
    throw invalid(raw, `agent id '${agentId}' must be 1-64 of a-z 0-9 _ - starting with a letter or digit`);
  if (!name) throw invalid(raw, 'the name is empty');
  if (!SESSION_NAME_PATTERN.test(name)) {
    throw invalid(
      raw,
      `name '${name.slice(0, 200)}' must be 1-200 of A-Z a-z 0-9 . _ : @ + # = - starting with a letter or digit`,
    );
  }
  return { key: `agent:${agentId}:${name}`, agentId, name };
}

export function sessionKey(agentId: string, name: string): string {
  return `agent:${agentId}:${name}`;
}
