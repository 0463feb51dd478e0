import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { LifecycleService } from '../../../common/lifecycle/lifecycle.service';
import { SessionsService } from '../../sessions/sessions.service';
import { SERVICE_VERSION } from '../../../version';
import { ConnectionRegistry } from '../connection/connection-registry';
import { MethodDefinition, MethodProvider } from './method-definition';

type Counts = Record<string, number>;

/** `status`: runtime version, the organization's sessions, runs and scheduled tasks by status, process memory. */
@Injectable()
export class StatusMethods implements MethodProvider {
  private readonly logger = new Logger('Gateway');

  constructor(
    private readonly sessions: SessionsService,
    private readonly registry: ConnectionRegistry,
    private readonly lifecycle: LifecycleService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  methods(): MethodDefinition[] {
    return [{ name: 'status', scope: 'operator.read', handler: () => this.status() }];
  }

  private async status(): Promise<Record<string, unknown>> {
    const organizationId = RequestContext.organizationId();
    const [recent, runs, tasks] = await Promise.all([
      this.sessions.list({ limit: 5 }),
      this.countByStatus('runs', organizationId),
      this.countByStatus('scheduled_tasks', organizationId),
    ]);
    const memory = process.memoryUsage();
    return {
      ok: true,
      ts: Date.now(),
      version: SERVICE_VERSION,
      runtimeVersion: `node ${process.version}`,
      uptimeMs: Date.now() - this.lifecycle.startedAt,
      draining: this.lifecycle.draining,
      sessions: {
        count: recent.total,
        recent: recent.items.map((s) => ({ key: s.key, label: s.label, agentId: s.agentId, updatedAt: Date.parse(s.updatedAt) || null })),
      },
      runs: { running: runs.running ?? 0, queued: runs.queued ?? 0, byStatus: runs },
      tasks: { active: tasks.active ?? 0, byStatus: tasks },
      gateway: { connections: this.registry.size, authenticated: this.registry.authenticatedCount },
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
    };
  }

  /** Rows of one organization by status (read-only counts; a table a module has not created yet counts as empty). */
  private async countByStatus(table: 'runs' | 'scheduled_tasks', organizationId: string): Promise<Counts> {
    try {
      const rows: { status: string; n: string }[] = await this.ds.query(
        `SELECT status, count(*) AS n FROM ${table} WHERE organization_id = $1 GROUP BY status`,
        [organizationId],
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    } catch (err) {
      this.logger.debug(`status: cannot count ${table}: ${(err as Error).message}`);
      return {};
    }
  }
}
