import { SetMetadata } from '@nestjs/common';

export type RateLimitName = 'default' | 'agent_auth' | 'webhook' | 'login' | 'none';

export const RATE_LIMIT_KEY = 'clawcontrol:rate-limit';

/** Applies a named per-client-IP limit (RATE_LIMIT_<NAME>) to a route; 'none' exempts it. */
export const RateLimit = (name: RateLimitName) => SetMetadata(RATE_LIMIT_KEY, name);
