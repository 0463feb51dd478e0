import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { systemPrincipal } from '../../common/context/principal';
import { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { EventMap } from '../../common/events/event-map';
import { AuditService } from '../auth/services/audit.service';
import { fenceExternal } from '../runtime/fence';
import { ProviderRegistry } from '../runtime/providers/provider-registry';
import { RunsService } from '../runtime/runs.service';
import { SessionView, SpawnInput } from '../sessions/session.types';
import { SessionsService } from '../sessions/sessions.service';
import { SessionErrors } from '../sessions/sessions.errors';
import { AcpSubagentProvider, SUBAGENT_REF_PREFIX } from './acp-subagent.provider';
import { AcpTarget, acpAvailable } from './config/acp-settings';
import { SubagentLogEntry, SubagentLogKind } from './entities/subagent-log-entry.entity';
import { SubagentRun, SubagentStatus } from './entities/subagent-run.entity';
import { SubagentRunFilter, SubagentRunsRepository } from './repositories/subagent-runs.repository';
import { SubagentsLogRepository } from './repositories/subagents-log.repository';
import { SubagentProcesses } from './subagent-processes';
import { SubagentsConfig } from './subagents.config';
import { SubagentErrors } from './subagents.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ANNOUNCE_PREFIX = 'subagent-announce:';
const ANNOUNCE_RESULT_MAX = 4000;

export function subagentRunView(r: SubagentRun) {
  return {
    id: r.id,
    run_id: r.runId,
    session_key: r.sessionKey,
    parent_session_key: r.parentSessionKey,
    target: r.target,
    command: r.command,
    workspace: r.workspace,
    pid: r.pid,
    status: r.status,
    exit_code: r.exitCode,
    exit_signal: r.exitSignal,
    error: r.error,
    stderr_tail: r.stderrTail,
    result_text: r.resultText,
    created_at: r.createdAt.toISOString(),
    started_at: r.startedAt ? r.startedAt.toISOString() : null,
    finished_at: r.finishedAt ? r.finishedAt.toISOString() : null,
    announced_at: r.announcedAt ? r.announcedAt.toISOString() : null,
  };
}

export function logEntryView(e: SubagentLogEntry) {
  return {
    seq: e.seq,
    kind: e.kind,
    summary: e.summary,
    data: e.data,
    run_id: e.runId,
    created_at: e.createdAt.toISOString(),
  };
}

/**
 * ACP subagents: `sessions.spawn` / `POST /api/sessions` with runtime "acp"
 * land here (registered with SessionsService when the runtime is enabled).
 * A spawn creates a subagent_runs row and starts a normal run of the new
 * session with provider `acp`; when the run ends the row takes its state and
 * the result is announced to the parent session as a message.
 */
@Injectable()
export class SubagentsService implements OnModuleInit {
  private readonly logger = new Logger('Subagents');

  constructor(
    private readonly config: SubagentsConfig,
    private readonly sessions: SessionsService,
    private readonly runsService: RunsService,
    private readonly providers: ProviderRegistry,
    private readonly provider: AcpSubagentProvider,
    private readonly runs: SubagentRunsRepository,
    private readonly logRepo: SubagentsLogRepository,
    private readonly processes: SubagentProcesses,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.providers.add(this.provider);
    this.bus.subscribe('run.finished', (e) => {
      if (e.sourceRef?.startsWith(SUBAGENT_REF_PREFIX)) void this.onRunFinished(e);
    });
    const settings = this.config.acp;
    if (acpAvailable(settings)) {
      this.sessions.registerSpawnRuntime('acp', (session, input) => this.spawn(session, input), {
        validate: (input) => this.validate(input),
      });
      const names = Object.values(settings.targets)
        .filter((t) => t.enabled)
        .map((t) => t.name);
      this.logger.log(
        `ACP runtime enabled (${settings.command ? 'command' : 'no command'}${names.length ? `, targets: ${names.join(', ')}` : ''}; permission_mode ${settings.permissionMode})`,
      );
    } else if (settings.enabled) {
      this.logger.warn(
        'subagents.acp.enabled is true but there is no subagents.acp.command and no enabled target: runtime "acp" answers "ACP runtime is disabled"',
      );
    }
  }

  /** The target a spawn uses: runtime_target, else default_target, else the command, else the only enabled target. */
  selectTarget(requested: string | undefined): AcpTarget {
    const settings = this.config.acp;
    if (!acpAvailable(settings)) throw SessionErrors.acpDisabled();
    const known = Object.keys(settings.targets);
    if (requested !== undefined) {
      const target = settings.targets[requested];
      if (!target) throw SubagentErrors.unknownTarget(requested, known);
      if (!target.enabled) throw SubagentErrors.targetDisabled(requested);
      return target;
    }
    if (settings.defaultTarget) return settings.targets[settings.defaultTarget];
    if (settings.command) return settings.command;
    const enabled = Object.values(settings.targets).filter((t) => t.enabled);
    if (enabled.length === 1) return enabled[0];
    throw SubagentErrors.multipleTargets(enabled.map((t) => t.name!));
  }

  /** Checks made before the session exists, so a refused spawn leaves nothing behind. */
  validate(input: SpawnInput): void {
    if (typeof input.task !== 'string' || !input.task.trim()) throw SubagentErrors.taskRequired();
    this.selectTarget(input.runtimeTarget);
    const max = this.config.acp.maxConcurrent;
    if (this.processes.count() >= max) throw SubagentErrors.busy(max);
  }

  async spawn(session: SessionView, input: SpawnInput): Promise<{ runId?: string }> {
    const target = this.selectTarget(input.runtimeTarget);
    const row = await this.runs.insert({
      sessionKey: session.key,
      parentSessionKey: session.parentKey,
      target: target.name,
      command: [target.command, ...target.args].join(' '),
    });
    this.processes.reserve(row.id);
    let runId: string;
    try {
      const run = await this.runsService.start({
        sessionKey: session.key,
        message: input.task!,
        source: 'spawn',
        sourceRef: `${SUBAGENT_REF_PREFIX}${row.id}`,
        provider: 'acp',
        timeoutMs: (input.runTimeoutSeconds ?? this.config.acp.runTimeoutSecs) * 1000,
      });
      runId = run.runId;
    } catch (err) {
      this.processes.release(row.id);
      await this.runs.finish(row.id, 'failed', (err as Error).message).catch(() => undefined);
      throw err;
    }
    await this.runs.update(row.id, { runId });
    await this.audit.record({
      action: 'subagent.spawn',
      target: session.key,
      details: {
        subagent_run_id: row.id,
        run_id: runId,
        runtime_target: target.name,
        command: target.command,
        parent: session.parentKey,
      },
    });
    return { runId };
  }

  async listRuns(
    filter: SubagentRunFilter,
  ): Promise<{ items: ReturnType<typeof subagentRunView>[]; total: number }> {
    const [rows, total] = await this.runs.list(filter);
    return { items: rows.map(subagentRunView), total };
  }

  /** A subagent run by its id or by the id of its run. */
  async getRun(id: string): Promise<SubagentRun> {
    if (typeof id !== 'string' || !UUID.test(id)) throw SubagentErrors.runNotFound(String(id));
    const row = await this.runs.findByIdOrRunId(id);
    if (!row) throw SubagentErrors.runNotFound(id);
    return row;
  }

  async log(id: string, filter: { kind?: SubagentLogKind; limit: number; offset: number }) {
    const row = await this.getRun(id);
    const [entries, total] = await this.logRepo.list(row.id, filter);
    return { subagent: subagentRunView(row), items: entries.map(logEntryView), total };
  }

  /** The run ended: the subagent row takes its state, and the parent session hears the result (once, across replicas). */
  private async onRunFinished(e: EventMap['run.finished']): Promise<void> {
    const id = e.sourceRef!.slice(SUBAGENT_REF_PREFIX.length);
    this.processes.release(id);
    const context = {
      requestId: `subagent:${id}:finished`,
      transport: 'system' as const,
      principal: systemPrincipal(e.organizationId),
    };
    await RequestContext.run(context, async () => {
      await this.runs.finish(id, e.status as SubagentStatus, e.error ?? null);
      const row = await this.runs.findById(id);
      if (!row?.parentSessionKey) return;
      const parent = await this.sessions.get(row.parentSessionKey).catch(() => undefined);
      if (!parent) {
        this.logger.warn(
          `subagent ${id}: parent session ${row.parentSessionKey} no longer exists; result not announced`,
        );
        return;
      }
      if (!(await this.runs.claimAnnounce(id))) return;
      await this.runsService.start({
        sessionKey: parent.key,
        message: this.announcement(row, e),
        source: 'spawn',
        sourceRef: `${ANNOUNCE_PREFIX}${id}`,
        idempotencyKey: `${ANNOUNCE_PREFIX}${id}`,
      });
    }).catch((err) => this.logger.warn(`subagent ${id}: finishing failed: ${(err as Error).message}`));
  }

  private announcement(row: SubagentRun, e: EventMap['run.finished']): string {
    const head = `[subagent ${row.sessionKey}] ${e.status}${row.target ? ` (target ${row.target})` : ''} after ${Math.round(e.durationMs / 100) / 10} s`;
    if (e.status === 'succeeded') {
      const text = (row.resultText ?? '').slice(0, ANNOUNCE_RESULT_MAX) || '(no answer text)';
      return `${head}. Result:\n${fenceExternal(`subagent:${row.sessionKey}`, text)}`;
    }
    return `${head}:\n${fenceExternal(`subagent:${row.sessionKey}`, e.error ?? 'no error message')}`;
  }
}
