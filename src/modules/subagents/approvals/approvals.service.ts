import { Injectable, OnModuleInit } from '@nestjs/common';
import { RequestContext, RequestContextData } from '../../../common/context/request-context';
import { EventBus } from '../../../common/events/event-bus';
import { AuditService } from '../../auth/services/audit.service';
import { SubagentApproval } from '../entities/subagent-approval.entity';
import { ApprovalsRepository } from '../repositories/approvals.repository';
import { SubagentErrors } from '../subagents.errors';

export type ApprovalDecision = 'approve' | 'deny';

export interface ApprovalRequest {
  subagentRunId: string;
  runId: string | null;
  sessionKey: string;
  cwd: string;
  toolCall: Record<string, unknown>;
  options: Record<string, unknown>[];
  timeoutMs: number;
}

export interface ApprovalOutcome {
  approvalId: string;
  decision: ApprovalDecision;
  /** Who decided: an operator (`api_key:…`, `user:…`), `timeout`, or `cancelled` (the run ended first). */
  decidedBy: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POLL_MS = 1000;

/** Decisions accepted from operators: ours, and the OpenClaw exec-approval words. */
const DECISIONS: Record<string, ApprovalDecision> = {
  approve: 'approve',
  approved: 'approve',
  allow: 'approve',
  'allow-once': 'approve',
  'allow-always': 'approve',
  deny: 'deny',
  denied: 'deny',
  reject: 'deny',
};

export function parseDecision(raw: unknown): ApprovalDecision {
  const decision = typeof raw === 'string' ? DECISIONS[raw.trim().toLowerCase()] : undefined;
  if (!decision) throw SubagentErrors.invalidDecision(raw);
  return decision;
}

export function approvalView(a: SubagentApproval) {
  return {
    id: a.id,
    status: a.status,
    subagent_run_id: a.subagentRunId,
    run_id: a.runId,
    session_key: a.sessionKey,
    tool_call: a.toolCall,
    options: a.options,
    decided_by: a.decidedBy,
    created_at: a.createdAt.toISOString(),
    expires_at: a.expiresAt.toISOString(),
    decided_at: a.decidedAt ? a.decidedAt.toISOString() : null,
  };
}

/**
 * Permission requests of ACP agents that operators answer (permission_mode
 * "ask"). A request is a row, so every replica lists and resolves it; it is
 * announced on the bridge as `exec.approval.requested` to sockets holding
 * operator.approvals. The replica running the agent waits for the row to
 * leave `pending` (bus event, or polling when events do not cross replicas);
 * no answer before the timeout denies it.
 */
@Injectable()
export class ApprovalsService implements OnModuleInit {
  private readonly waiters = new Map<string, (decision: ApprovalDecision) => void>();

  constructor(
    private readonly repo: ApprovalsRepository,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe('subagents.approval_resolved', (e) => this.waiters.get(e.approvalId)?.(e.decision));
  }

  /** Asks operators and waits for a decision, the timeout (deny) or the signal (deny, cancelled). */
  async request(input: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
    const context = RequestContext.current() as RequestContextData;
    const organizationId = RequestContext.organizationId();
    const row = await this.repo.insert({
      subagentRunId: input.subagentRunId,
      runId: input.runId,
      sessionKey: input.sessionKey,
      toolCall: input.toolCall,
      options: input.options,
      expiresAt: new Date(Date.now() + input.timeoutMs),
    });
    this.bus.publish('gateway.broadcast', {
      organizationId,
      event: 'exec.approval.requested',
      requiredScope: 'operator.approvals',
      payload: {
        id: row.id,
        request: {
          command: String(input.toolCall.title ?? 'permission request'),
          cwd: input.cwd,
          host: 'acp',
          sessionKey: input.sessionKey,
          runId: input.runId,
          subagentRunId: input.subagentRunId,
          toolCall: input.toolCall,
          options: input.options,
        },
        createdAtMs: row.createdAt.getTime(),
        expiresAtMs: row.expiresAt.getTime(),
      },
    });
    const inContext = <T>(fn: () => Promise<T>) => RequestContext.run(context, fn);

    return new Promise<ApprovalOutcome>((resolve) => {
      let settled = false;
      const finish = (decision: ApprovalDecision, decidedBy: string) => {
        if (settled) return;
        settled = true;
        this.waiters.delete(row.id);
        clearInterval(poll);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve({ approvalId: row.id, decision, decidedBy });
      };
      /** Someone else moved the row first: take their decision. */
      const adopt = async () => {
        const current = await inContext(() => this.repo.findById(row.id));
        if (current && current.status !== 'pending')
          finish(current.status === 'approved' ? 'approve' : 'deny', current.decidedBy ?? current.status);
      };
      const closeAs = (status: 'expired' | 'cancelled', by: string) =>
        inContext(async () => {
          if (await this.repo.decide(row.id, status, by)) {
            this.broadcastResolved(organizationId, row.id, 'deny', by);
            finish('deny', by);
          } else await adopt();
        }).catch(() => finish('deny', by));
      const onAbort = () => void closeAs('cancelled', 'cancelled');
      this.waiters.set(row.id, (decision) => void adopt().catch(() => finish(decision, 'operator')));
      const poll = setInterval(() => void adopt().catch(() => undefined), POLL_MS);
      const timer = setTimeout(() => void closeAs('expired', 'timeout'), input.timeoutMs);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** An operator's answer (REST or the bridge's exec.approval.resolve); audited. */
  async resolve(id: string, rawDecision: unknown): Promise<ReturnType<typeof approvalView>> {
    const decision = parseDecision(rawDecision);
    if (typeof id !== 'string' || !UUID.test(id)) throw SubagentErrors.approvalNotFound(String(id));
    const existing = await this.repo.findById(id);
    if (!existing) throw SubagentErrors.approvalNotFound(id);
    if (existing.status === 'pending' && existing.expiresAt.getTime() <= Date.now())
      throw SubagentErrors.approvalResolved(id, 'expired');
    const actor = RequestContext.principal()?.actor ?? 'operator';
    if (!(await this.repo.decide(id, decision === 'approve' ? 'approved' : 'denied', actor))) {
      const now = await this.repo.findById(id);
      throw SubagentErrors.approvalResolved(id, now?.status ?? existing.status);
    }
    await this.audit.record({
      action: 'subagent.approval.resolve',
      target: id,
      details: {
        decision,
        session_key: existing.sessionKey,
        run_id: existing.runId,
        tool: existing.toolCall.title ?? null,
      },
    });
    const organizationId = RequestContext.organizationId();
    this.bus.publish('subagents.approval_resolved', { organizationId, approvalId: id, decision });
    this.broadcastResolved(organizationId, id, decision, actor);
    return approvalView((await this.repo.findById(id))!);
  }

  async listPending(
    limit: number,
    offset: number,
  ): Promise<{ items: ReturnType<typeof approvalView>[]; total: number }> {
    const [rows, total] = await this.repo.listPending(limit, offset);
    return { items: rows.map(approvalView), total };
  }

  private broadcastResolved(
    organizationId: string,
    id: string,
    decision: ApprovalDecision,
    resolvedBy: string,
  ): void {
    this.bus.publish('gateway.broadcast', {
      organizationId,
      event: 'exec.approval.resolved',
      requiredScope: 'operator.approvals',
      payload: { id, decision, resolvedBy, ts: Date.now() },
    });
  }
}
