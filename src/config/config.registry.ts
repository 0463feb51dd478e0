import { ConfigClass } from './config-loader';
import { GatewayConfig } from '../modules/gateway/gateway.config';
import { AuthConfig } from '../modules/auth/auth.config';
import { MetricsConfig } from '../modules/metrics/metrics.config';
import { RuntimeConfig } from '../modules/runtime/runtime.config';
import { SecretsConfig } from '../modules/secrets/secrets.config';
import { DatabaseConfig } from './database.config';
import { RateLimitConfig } from './rate-limit.config';
import { RedisConfig } from './redis.config';
import { ServerConfig } from './server.config';
import { WebhooksConfig } from '../modules/webhooks/webhooks.config';
import { SchedulerConfig } from '../modules/scheduler/scheduler.config';
import { BackupConfig } from '../modules/backup/backup.config';
import { SubagentsConfig } from '../modules/subagents/subagents.config';
import { McpConfig } from '../modules/mcp/mcp.config';
import { HooksConfig } from '../modules/hooks/hooks.config';

/**
 * Every config class of the service. A module that reads environment variables
 * declares its own class (in `<module>.config.ts`) and lists it here, so boot
 * validation, `.env.example` and docs/configuration.md cover it.
 */
export const CONFIG_CLASSES: ConfigClass[] = [ServerConfig, DatabaseConfig, RedisConfig, RateLimitConfig, AuthConfig, SecretsConfig, GatewayConfig, RuntimeConfig, WebhooksConfig, MetricsConfig, SchedulerConfig, BackupConfig, SubagentsConfig, McpConfig, HooksConfig];
