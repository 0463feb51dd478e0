import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Scope } from '../context/principal';

export const REQUIRED_SCOPES_KEY = 'clawcontrol:scopes';
export const PRINCIPAL_KINDS_KEY = 'clawcontrol:principal-kinds';

/**
 * The scopes a route needs (any one of them suffices). operator.admin implies
 * every scope and operator.write implies operator.read.
 */
export const RequireScopes = (...scopes: Scope[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES_KEY, scopes),
    ApiSecurity('bearer'),
    ApiUnauthorizedResponse({ description: 'missing or invalid credentials (problem+json)' }),
    ApiForbiddenResponse({ description: `needs scope ${scopes.join(' or ')} (problem+json)` }),
  );

/** Routes only agent processes (X-Agent-Token) may call. */
export const AgentOnly = () => SetMetadata(PRINCIPAL_KINDS_KEY, ['agent']);
