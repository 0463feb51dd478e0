import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CrossFieldCheck } from './config-loader';
import { EnvVar } from './env-var.decorator';

export class ServerConfig implements CrossFieldCheck {
  @EnvVar({ name: 'NODE_ENV', doc: 'development | production | test', default: 'production' })
  @IsIn(['development', 'production', 'test'])
  nodeEnv: 'development' | 'production' | 'test';

  @EnvVar({ name: 'PORT', doc: 'TCP port serving REST, /docs, /metrics and the WebSocket bridge', default: '8080' })
  @IsInt()
  @Min(0)
  @Max(65535)
  port: number;

  @EnvVar({ name: 'HOST', doc: 'Interface to listen on', default: '0.0.0.0' })
  @IsString()
  host: string;

  @EnvVar({ name: 'LOG_LEVEL', doc: 'fatal | error | warn | info | debug | trace | silent', default: 'info' })
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  logLevel: string;

  @EnvVar({ name: 'REQUEST_LOG_SLOW_MS', doc: 'Requests slower than this are logged at warn', default: '1000' })
  @IsInt()
  @Min(1)
  requestLogSlowMs: number;

  @EnvVar({
    name: 'SHUTDOWN_GRACE_MS',
    doc: 'On SIGTERM, how long in-flight requests and runs may take before the process exits',
    default: '10000',
  })
  @IsInt()
  @Min(0)
  shutdownGraceMs: number;

  @EnvVar({
    name: 'CORS_ORIGINS',
    doc: 'Comma-separated browser origins allowed to call the API with credentials (empty = no CORS)',
    default: '',
    list: true,
  })
  @IsString({ each: true })
  corsOrigins: string[];

  @EnvVar({
    name: 'TRUSTED_PROXIES',
    doc: 'Comma-separated proxy IPs/CIDRs whose X-Forwarded-For / Forwarded headers are believed',
    default: '',
    list: true,
  })
  @IsString({ each: true })
  trustedProxies: string[];

  @EnvVar({ name: 'BODY_LIMIT_BYTES', doc: 'Largest JSON request body accepted by REST routes', default: '1048576' })
  @IsInt()
  @Min(1024)
  bodyLimitBytes: number;

  @EnvVar({ name: 'PUBLIC_BASE_URL', doc: 'External URL of the service (used for Secure cookies and links)' })
  @IsOptional()
  @IsString()
  publicBaseUrl?: string;

  @EnvVar({ name: 'SWAGGER_ENABLED', doc: 'Serve /docs and /docs-json', default: 'true' })
  @IsBoolean()
  swaggerEnabled: boolean;

  @EnvVar({
    name: 'HTTP_METRICS_ENABLED',
    doc: 'Record http_requests_total / http_request_duration_seconds for every response (false only to measure its overhead)',
    default: 'true',
  })
  @IsBoolean()
  httpMetricsEnabled: boolean;

  crossFieldProblems(): string[] {
    return this.corsOrigins.includes('*')
      ? ['CORS_ORIGINS: "*" is not allowed because the API uses credentials; list the origins']
      : [];
  }
}
