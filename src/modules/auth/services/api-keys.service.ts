import { Injectable, Logger } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { randomHex, randomToken } from '../../../common/crypto';
import { Errors } from '../../../common/errors/app-exception';
import { EventBus } from '../../../common/events/event-bus';
import { AuthConfig } from '../auth.config';
import { ApiKeyView, CreatedApiKeyView, CreateApiKeyDto } from '../dto/api-key.dto';
import { ApiKey } from '../entities/api-key.entity';
import { ApiKeysRepository } from '../repositories/api-keys.repository';
import { AuditService } from './audit.service';
import { apiKeyIdOf, apiKeySecretHash } from './credentials.service';

export function apiKeyView(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    prefix: k.keyId.startsWith('x') ? `(bootstrap) ${k.keyId.slice(1, 9)}` : `cc_${k.keyId}`,
    label: k.label,
    scopes: k.scopes,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    expires_at: k.expiresAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
    bootstrap: k.bootstrap,
  };
}

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly repo: ApiKeysRepository,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
    private readonly config: AuthConfig,
  ) {}

  async list(limit: number, offset: number, includeRevoked = false): Promise<[ApiKeyView[], number]> {
    const [rows, total] = await this.repo.list(limit, offset, includeRevoked);
    return [rows.map(apiKeyView), total];
  }

  async create(dto: CreateApiKeyDto, rotatedFromId?: string): Promise<CreatedApiKeyView> {
    const principal = RequestContext.principal();
    const notHeld = dto.scopes.filter((s) => !principal?.scopes.has(s as never));
    if (notHeld.length) {
      throw Errors.forbidden(
        'SCOPE_ESCALATION',
        `cannot grant scopes you do not hold: ${notHeld.join(', ')}`,
      );
    }
    const keyId = randomHex(6);
    const token = `cc_${keyId}_${randomToken(32)}`;
    const days = dto.expires_days ?? (this.config.apiKeyDefaultExpiresDays || undefined);
    const key = await this.repo.insert({
      keyId,
      secretHash: apiKeySecretHash(token),
      label: dto.label,
      scopes: dto.scopes,
      userId: principal?.userId ?? null,
      expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
      rotatedFromId: rotatedFromId ?? null,
    });
    await this.audit.record({
      action: rotatedFromId ? 'api_key.rotate' : 'api_key.create',
      target: `api_key:cc_${keyId}`,
      details: { label: dto.label, scopes: dto.scopes, rotated_from: rotatedFromId },
    });
    return {
      id: key.id,
      api_key: token,
      prefix: `cc_${keyId}`,
      scopes: key.scopes,
      expires_at: key.expiresAt?.toISOString() ?? null,
    };
  }

  async revoke(id: string): Promise<ApiKeyView> {
    const key = await this.repo.findById(id);
    if (!key) throw Errors.notFound('api key', id);
    if (!key.revokedAt) {
      await this.repo.revoke(id);
      this.bus.publish('credentials.revoked', {
        organizationId: key.organizationId,
        credentialIds: [id],
        reason: 'api key revoked',
      });
      await this.audit.record({ action: 'api_key.revoke', target: `api_key:${apiKeyView(key).prefix}` });
    }
    return apiKeyView((await this.repo.findById(id))!);
  }

  /** A new secret with the same label, scopes and expiry; the old key dies at once. */
  async rotate(id: string): Promise<CreatedApiKeyView> {
    const key = await this.repo.findById(id);
    if (!key || key.revokedAt) throw Errors.notFound('api key', id);
    const remainingDays = key.expiresAt
      ? Math.max(1, Math.ceil((key.expiresAt.getTime() - Date.now()) / 86_400_000))
      : undefined;
    const created = await this.create(
      { label: key.label, scopes: key.scopes, expires_days: remainingDays },
      key.id,
    );
    await this.repo.revoke(id);
    this.bus.publish('credentials.revoked', {
      organizationId: key.organizationId,
      credentialIds: [id],
      reason: 'api key rotated',
    });
    return created;
  }

  /** Cleanup job: deletes keys (all organizations) that expired or were revoked before `before`; returns how many. */
  purgeDeadBefore(before: Date): Promise<number> {
    return this.repo.deleteDeadBefore(before);
  }

  /** ADMIN_API_KEY: make sure an operator.admin key with exactly this secret exists (idempotent). */
  async ensureBootstrapKey(token: string, organizationId: string): Promise<'created' | 'exists' | 'revoked'> {
    const keyId = apiKeyIdOf(token);
    const existing = await this.repo.findByKeyIdUnscoped(keyId);
    if (existing) {
      if (existing.revokedAt) {
        this.logger.warn('ADMIN_API_KEY was revoked: it stays revoked; remove it from the environment');
        return 'revoked';
      }
      return 'exists';
    }
    try {
      await this.repo.insert({
        organizationId,
        keyId,
        secretHash: apiKeySecretHash(token),
        label: 'bootstrap admin (ADMIN_API_KEY)',
        scopes: ['operator.admin'],
        bootstrap: true,
      });
    } catch (err) {
      if ((err as any)?.driverError?.code === '23505') return 'exists'; // another replica won the race
      throw err;
    }
    await this.audit.record({
      action: 'api_key.bootstrap',
      target: 'ADMIN_API_KEY',
      organizationId,
      actor: 'system',
    });
    return 'created';
  }
}
