import { applyDecorators, SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'clawcontrol:public';
export const PUBLIC_IDENTIFY_KEY = 'clawcontrol:public-identify';

export interface PublicOptions {
  /**
   * Look up credentials the caller sends anyway, so the route can show more to
   * an authenticated caller (default true). False for routes whose Authorization
   * header is not an API key (e.g. /metrics with METRICS_TOKEN).
   */
  identify?: boolean;
}

/** Marks a route as reachable without credentials. Every other route is guarded. */
export const Public = (options: PublicOptions = {}) =>
  applyDecorators(SetMetadata(IS_PUBLIC_KEY, true), SetMetadata(PUBLIC_IDENTIFY_KEY, options.identify ?? true));
