import { Injectable } from '@nestjs/common';
import { ScheduledTask } from '../../scheduler/entities/scheduled-task.entity';
import { TasksService } from '../../scheduler/services/tasks.service';
import { MethodDefinition, MethodProvider } from './method-definition';

const MAX_JOBS = 500;
const KIND: Record<string, string> = { cron: 'cron', interval: 'every', once: 'at' };

/** A scheduled task as an OpenClaw cron job (times in epoch ms). */
export function toCronJob(t: ScheduledTask): Record<string, unknown> {
  return {
    id: t.id,
    name: t.prompt.length > 60 ? `${t.prompt.slice(0, 60)}…` : t.prompt,
    enabled: t.status === 'active' || t.status === 'running',
    status: t.status,
    schedule: { kind: KIND[t.scheduleType] ?? t.scheduleType, value: t.scheduleValue, tz: t.timezone },
    sessionKey: t.chatId,
    prompt: t.prompt,
    runCount: t.runCount,
    maxRuns: t.maxRuns,
    state: {
      nextRunAtMs: t.nextRun ? t.nextRun.getTime() : null,
      lastRunAtMs: t.lastRun ? t.lastRun.getTime() : null,
      lastError: t.lastError,
    },
    createdAtMs: t.createdAt.getTime(),
    updatedAtMs: t.updatedAt.getTime(),
  };
}

/** `cron.list`: the organization's scheduled tasks, read through the scheduler's TasksService. */
@Injectable()
export class CronMethods implements MethodProvider {
  constructor(private readonly tasks: TasksService) {}

  methods(): MethodDefinition[] {
    return [
      {
        name: 'cron.list',
        aliases: ['cron_list'],
        scope: 'operator.read',
        handler: async (p) => {
          const limit = p.optionalInt('limit', 1, MAX_JOBS) ?? MAX_JOBS;
          const [tasks, total] = await this.tasks.list({ limit, offset: 0 });
          return { jobs: tasks.map(toCronJob), total };
        },
      },
    ];
  }
}
