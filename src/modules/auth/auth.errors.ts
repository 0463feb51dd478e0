import { AppException } from '../../common/errors/app-exception';

export const AuthErrors = {
  missingCredentials: () => new AppException(401, 'UNAUTHORIZED', 'authentication required'),
  invalidCredentials: () => new AppException(401, 'UNAUTHORIZED', 'invalid or expired credentials'),
  missingScope: (required: string[]) =>
    new AppException(403, 'MISSING_SCOPE', `missing scope: ${required.join(' or ')}`, {
      missing_scope: required[0],
      required_scopes: required,
    }),
  agentRouteOnly: () =>
    new AppException(403, 'AGENT_ROUTE_ONLY', 'this route is for agent tokens (X-Agent-Token)'),
  notForAgents: () => new AppException(403, 'AGENT_FORBIDDEN', 'agent tokens can only reach agent routes'),
  csrf: () =>
    new AppException(
      403,
      'CSRF_TOKEN_INVALID',
      'x-csrf-token header missing or does not match the mc_csrf cookie',
    ),
  orgLocked: () =>
    new AppException(423, 'ORG_LOCKED', 'this organization is locked by a platform administrator'),
  orgDisabled: () => new AppException(403, 'ORG_DISABLED', 'this organization is disabled'),
  lockdown: () =>
    new AppException(
      503,
      'LOCKDOWN',
      'emergency lockdown is active: only administrative changes are accepted',
      {},
      { 'Retry-After': '60' },
    ),
  loginFailed: () => new AppException(401, 'INVALID_LOGIN', 'invalid email or password'),
  loginThrottled: (retryAfterSecs: number) =>
    new AppException(
      429,
      'LOGIN_THROTTLED',
      `too many login attempts from this client; retry in ${retryAfterSecs} s`,
      { retry_after_secs: retryAfterSecs },
      { 'Retry-After': String(retryAfterSecs) },
    ),
  notAUserSession: () =>
    new AppException(
      403,
      'USER_SESSION_REQUIRED',
      'this action needs a signed-in user (browser session), not an API key or agent token',
    ),
  invalidCurrentPassword: () =>
    new AppException(403, 'INVALID_CURRENT_PASSWORD', 'current_password is not correct'),
  weakPassword: (field: string, problems: string[]) =>
    new AppException(422, 'WEAK_PASSWORD', `${field} ${problems.join('; ')}`, { field, problems }),
  userExists: () => new AppException(409, 'USER_EXISTS', 'a user with this email already exists'),
  userNotFound: (id: string) => new AppException(404, 'USER_NOT_FOUND', `user '${id}' not found`),
  orgNotFound: (id: string) => new AppException(404, 'ORG_NOT_FOUND', `organization '${id}' not found`),
  orgSlugTaken: (slug: string) =>
    new AppException(409, 'ORG_SLUG_TAKEN', `an organization with slug '${slug}' already exists`),
  platformOrgProtected: (what: string) =>
    new AppException(
      409,
      'PLATFORM_ORG_PROTECTED',
      `the platform organization cannot be ${what} (it would lock out every platform administrator)`,
    ),
  agentTokenNotFound: (id: string) =>
    new AppException(404, 'AGENT_TOKEN_NOT_FOUND', `agent token '${id}' not found`),
  platformAdminOnly: () =>
    new AppException(
      403,
      'PLATFORM_ADMIN_REQUIRED',
      'only administrators of the platform organization manage organizations',
    ),
};
