import { AppException, Errors } from '../../common/errors/app-exception';

export const MetricsErrors = {
  platformOnly: (): AppException =>
    Errors.forbidden(
      'METRICS_PLATFORM_ONLY',
      'metrics are cluster-wide: only principals of the platform organization may read them',
    ),
  noPlatformOrganization: (): AppException =>
    Errors.unavailable(
      'METRICS_NO_PLATFORM_ORGANIZATION',
      'no platform organization exists to store metrics under',
    ),
  tokenRequired: (): AppException =>
    new AppException(
      401,
      'METRICS_TOKEN_REQUIRED',
      'GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"',
      {},
      {
        'WWW-Authenticate': 'Bearer realm="metrics"',
      },
    ),
  tokenInvalid: (): AppException =>
    new AppException(
      401,
      'METRICS_TOKEN_INVALID',
      'the bearer token does not match METRICS_TOKEN',
      {},
      {
        'WWW-Authenticate': 'Bearer realm="metrics", error="invalid_token"',
      },
    ),
};
