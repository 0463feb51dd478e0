import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { EventBus } from '../../../common/events/event-bus';
import { AuthErrors } from '../auth.errors';
import { AgentTokensRepository } from '../repositories/agent-tokens.repository';
import { ApiKeysRepository } from '../repositories/api-keys.repository';
import { BrowserSessionsRepository } from '../repositories/browser-sessions.repository';
import { UsersRepository } from '../repositories/users.repository';
import { AuditService } from './audit.service';

export interface RevokeAllResult {
  user_id: string;
  api_keys: number;
  browser_sessions: number;
  agent_tokens: number;
  credential_ids: string[];
}

/** Kills credentials in bulk and tells every replica (sockets holding them close on `credentials.revoked`). */
@Injectable()
export class RevocationService {
  constructor(
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly sessions: BrowserSessionsRepository,
    private readonly agentTokens: AgentTokensRepository,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
  ) {}

  /** INC-002: every API key, browser session and agent token of the user dies at once. */
  async revokeAllOfUser(userId: string, reason = 'revoke-all'): Promise<RevokeAllResult> {
    const user = await this.users.findById(userId);
    if (!user) throw AuthErrors.userNotFound(userId);
    const at = new Date();
    const [keys, sessions, tokens] = [
      await this.apiKeys.revokeAllOfUser(user.id, at),
      await this.sessions.revokeAllOfUser(user.id, undefined, at),
      await this.agentTokens.revokeAllOfUser(user.id, at),
    ];
    const credentialIds = [...keys, ...sessions, ...tokens];
    this.bus.publish('credentials.revoked', {
      organizationId: RequestContext.organizationId(),
      credentialIds,
      userId: user.id,
      reason,
    });
    await this.audit.record({
      action: 'auth.revoke_all',
      target: `user:${user.email}`,
      details: {
        user_id: user.id,
        reason,
        api_keys: keys.length,
        browser_sessions: sessions.length,
        agent_tokens: tokens.length,
      },
    });
    return {
      user_id: user.id,
      api_keys: keys.length,
      browser_sessions: sessions.length,
      agent_tokens: tokens.length,
      credential_ids: credentialIds,
    };
  }

  /** Live credential ids of an organization (for closing its sockets when it is locked or disabled). */
  async liveCredentialIdsOfOrganization(organizationId: string): Promise<string[]> {
    const [keys, sessions, tokens] = [
      await this.apiKeys.liveIdsOfOrganization(organizationId),
      await this.sessions.liveIdsOfOrganization(organizationId),
      await this.agentTokens.liveIdsOfOrganization(organizationId),
    ];
    return [...keys, ...sessions, ...tokens];
  }
}
