import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { RequestContext } from '../../../common/context/request-context';
import { randomHex, randomToken } from '../../../common/crypto';
import { EventBus } from '../../../common/events/event-bus';
import { AgentsService } from '../../agents/agents.service';
import { AuthConfig } from '../auth.config';
import { AuthErrors } from '../auth.errors';
import {
  AgentTokenView,
  CreateAgentTokenDto,
  CreatedAgentTokenView,
  HeartbeatDto,
  HeartbeatView,
} from '../dto/agent-token.dto';
import { AgentToken } from '../entities/agent-token.entity';
import { AgentTokensRepository } from '../repositories/agent-tokens.repository';
import { AuditService } from './audit.service';
import { signedHash } from './signing';

/** Agent-process credentials: created by admins, shown once, kept as HMAC(signing secret). */
@Injectable()
export class AgentTokensService {
  constructor(
    private readonly repo: AgentTokensRepository,
    private readonly config: AuthConfig,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
    private readonly moduleRef: ModuleRef,
  ) {}

  view(t: AgentToken, now = Date.now()): AgentTokenView {
    const online =
      !t.revokedAt &&
      !!t.lastHeartbeatAt &&
      now - t.lastHeartbeatAt.getTime() <= this.config.agentOfflineAfterS * 1000;
    const status = t.revokedAt
      ? 'revoked'
      : t.expiresAt && t.expiresAt.getTime() <= now
        ? 'expired'
        : online
          ? 'online'
          : t.lastHeartbeatAt
            ? 'offline'
            : 'never_seen';
    return {
      id: t.id,
      prefix: `cca_${t.tokenId}`,
      agent_id: t.agentId,
      label: t.label,
      status,
      online,
      created_at: t.createdAt.toISOString(),
      last_used_at: t.lastUsedAt?.toISOString() ?? null,
      last_heartbeat_at: t.lastHeartbeatAt?.toISOString() ?? null,
      expires_at: t.expiresAt?.toISOString() ?? null,
      revoked_at: t.revokedAt?.toISOString() ?? null,
    };
  }

  async create(dto: CreateAgentTokenDto): Promise<CreatedAgentTokenView> {
    await this.assertAgentExists(dto.agent_id);
    const tokenId = randomHex(6);
    const token = `cca_${tokenId}_${randomToken(32)}`;
    const label = dto.label ?? dto.agent_id;
    const row = await this.repo.insert({
      tokenId,
      secretHash: signedHash(this.config.signingSecret, 'agent', token),
      agentId: dto.agent_id,
      label,
      userId: RequestContext.principal()?.userId ?? null,
      expiresAt: dto.expires_days ? new Date(Date.now() + dto.expires_days * 86_400_000) : null,
    });
    await this.audit.record({
      action: 'agent_token.create',
      target: `agent_token:cca_${tokenId}`,
      details: { agent_id: dto.agent_id, label },
    });
    return {
      id: row.id,
      token,
      prefix: `cca_${tokenId}`,
      agent_id: row.agentId,
      label,
      expires_at: row.expiresAt?.toISOString() ?? null,
    };
  }

  async list(
    filter: { agentId?: string; includeRevoked: boolean },
    limit: number,
    offset: number,
  ): Promise<[AgentTokenView[], number]> {
    const [rows, total] = await this.repo.list(filter, limit, offset);
    const now = Date.now();
    return [rows.map((r) => this.view(r, now)), total];
  }

  async revoke(id: string): Promise<AgentTokenView> {
    const row = await this.repo.findById(id);
    if (!row) throw AuthErrors.agentTokenNotFound(id);
    if (!row.revokedAt && (await this.repo.revoke(id))) {
      this.bus.publish('credentials.revoked', {
        organizationId: row.organizationId,
        credentialIds: [id],
        reason: 'agent token revoked',
      });
      await this.audit.record({
        action: 'agent_token.revoke',
        target: `agent_token:cca_${row.tokenId}`,
        details: { agent_id: row.agentId },
      });
    }
    return this.view((await this.repo.findById(id))!);
  }

  /** 404 AGENT_NOT_FOUND for an agent the organization does not have (skipped when the agents module is not loaded). */
  private async assertAgentExists(agentId: string): Promise<void> {
    let agents: AgentsService;
    try {
      agents = this.moduleRef.get(AgentsService, { strict: false });
    } catch {
      return;
    }
    await agents.get(agentId);
  }

  /** The calling agent process is alive (X-Agent-Token principal). */
  async heartbeat(_dto: HeartbeatDto): Promise<HeartbeatView> {
    const principal = RequestContext.principal();
    if (!principal || principal.kind !== 'agent' || !principal.credentialId)
      throw AuthErrors.agentRouteOnly();
    await this.repo.heartbeat(principal.credentialId);
    return {
      ok: true,
      agent_id: principal.id,
      online: true,
      offline_after_s: this.config.agentOfflineAfterS,
    };
  }
}
