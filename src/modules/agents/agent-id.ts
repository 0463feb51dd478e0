export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function isValidAgentId(id: string): boolean {
  return AGENT_ID_PATTERN.test(id);
}
