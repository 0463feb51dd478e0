import { AgentsModule } from './modules/agents/agents.module';
import { AuthModule } from './modules/auth/auth.module';
import { BackupModule } from './modules/backup/backup.module';
import { HealthModule } from './modules/health/health.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { RuntimeModule } from './modules/runtime/runtime.module';
import { SecretsModule } from './modules/secrets/secrets.module';
import { GatewayModule } from './modules/gateway/gateway.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';
import { SchedulerModule } from './modules/scheduler/scheduler.module';
import { SubagentsModule } from './modules/subagents/subagents.module';
import { McpModule } from './modules/mcp/mcp.module';
import { HooksModule } from './modules/hooks/hooks.module';

/** The feature modules of the service, one per capability. */
export const FEATURE_MODULES = [HealthModule, AuthModule, SecretsModule, GatewayModule, AgentsModule, RuntimeModule, WebhooksModule, MetricsModule, SchedulerModule, BackupModule, SubagentsModule, McpModule, HooksModule];
