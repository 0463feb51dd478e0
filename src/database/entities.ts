import { Agent } from '../modules/agents/entities/agent.entity';
import { AgentToken } from '../modules/auth/entities/agent-token.entity';
import { ApiKey } from '../modules/auth/entities/api-key.entity';
import { AuditEntry } from '../modules/auth/entities/audit-entry.entity';
import { BrowserSession } from '../modules/auth/entities/browser-session.entity';
import { Organization } from '../modules/auth/entities/organization.entity';
import { MetricsAlertState } from '../modules/metrics/entities/metrics-alert-state.entity';
import { MetricsHistoryPoint } from '../modules/metrics/entities/metrics-history-point.entity';
import { Setting } from '../modules/auth/entities/setting.entity';
import { DataKey } from '../modules/secrets/entities/data-key.entity';
import { Secret } from '../modules/secrets/entities/secret.entity';
import { User } from '../modules/auth/entities/user.entity';
import { Run } from '../modules/runtime/entities/run.entity';
import { ScheduledTask } from '../modules/scheduler/entities/scheduled-task.entity';
import { SchedulerJob } from '../modules/scheduler/entities/scheduler-job.entity';
import { TaskDlqEntry } from '../modules/scheduler/entities/task-dlq-entry.entity';
import { TaskRun } from '../modules/scheduler/entities/task-run.entity';
import { Message } from '../modules/sessions/entities/message.entity';
import { Session } from '../modules/sessions/entities/session.entity';
import { Device } from '../modules/gateway/entities/device.entity';
import { WebhookDelivery } from '../modules/webhooks/entities/webhook-delivery.entity';
import { Webhook } from '../modules/webhooks/entities/webhook.entity';
import { SubagentApproval } from '../modules/subagents/entities/subagent-approval.entity';
import { SubagentLogEntry } from '../modules/subagents/entities/subagent-log-entry.entity';
import { SubagentRun } from '../modules/subagents/entities/subagent-run.entity';
import { Memory } from '../modules/mcp/memory/entities/memory.entity';
import { HookState } from '../modules/hooks/entities/hook-state.entity';

/**
 * Every TypeORM entity of the service. The CLI, the migration drift test and
 * the app's DataSource all read this one list; a module adds its entities here.
 */
export const ENTITIES: (new () => object)[] = [
  Organization,
  Setting,
  User,
  ApiKey,
  BrowserSession,
  AgentToken,
  AuditEntry,
  Agent,
  Session,
  Message,
  Run,
  ScheduledTask,
  TaskRun,
  TaskDlqEntry,
  SchedulerJob,
  DataKey,
  Secret,
  Device,
  Webhook,
  WebhookDelivery,
  MetricsHistoryPoint,
  MetricsAlertState,
  SubagentRun,
  SubagentLogEntry,
  SubagentApproval,
  Memory,
  HookState,
];
