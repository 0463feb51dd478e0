import { Injectable } from '@nestjs/common';
import { Principal, systemPrincipal } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { EventBus } from '../../../common/events/event-bus';
import { AuthErrors } from '../auth.errors';
import {
  CreatedOrganizationView,
  CreateOrganizationDto,
  OrganizationView,
  UpdateOrganizationDto,
} from '../dto/organization.dto';
import { Organization } from '../entities/organization.entity';
import { OrganizationsRepository } from '../repositories/organizations.repository';
import { ApiKeysService } from './api-keys.service';
import { AuditService } from './audit.service';
import { RevocationService } from './revocation.service';

export function organizationView(o: Organization): OrganizationView {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    platform: o.platform,
    disabled: o.disabled,
    locked: !!o.lockedAt,
    locked_at: o.lockedAt?.toISOString() ?? null,
    locked_reason: o.lockedReason,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}

/**
 * Tenancy administration. Platform administrators (operator.admin of the
 * platform organization) see and manage every organization; anyone else sees
 * only their own, and another organization answers 404.
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly repo: OrganizationsRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  async list(limit: number, offset: number): Promise<[OrganizationView[], number]> {
    const principal = this.principal();
    if (principal.platformAdmin) {
      const [rows, total] = await this.repo.list(limit, offset);
      return [rows.map(organizationView), total];
    }
    const own = await this.repo.findById(principal.organizationId);
    return [own && offset === 0 ? [organizationView(own)] : [], own ? 1 : 0];
  }

  async get(id: string): Promise<OrganizationView> {
    return organizationView(await this.visible(id));
  }

  async create(dto: CreateOrganizationDto): Promise<CreatedOrganizationView> {
    const principal = this.requirePlatformAdmin();
    if (await this.repo.findBySlug(dto.slug)) throw AuthErrors.orgSlugTaken(dto.slug);
    let org: Organization;
    try {
      org = await this.repo.create({ slug: dto.slug, name: dto.name });
    } catch (err) {
      if ((err as { driverError?: { code?: string } })?.driverError?.code === '23505')
        throw AuthErrors.orgSlugTaken(dto.slug);
      throw err;
    }
    await this.audit.record({
      action: 'org.create',
      target: `org:${org.slug}`,
      details: { organization_id: org.id, name: org.name },
    });
    // The first admin key lives in the new organization; the audit row names the platform admin who made it.
    const asNewOrgAdmin: Principal = { ...systemPrincipal(org.id), actor: principal.actor };
    const ctx = RequestContext.current();
    const adminKey = await RequestContext.run(
      {
        requestId: ctx?.requestId ?? 'org-create',
        transport: ctx?.transport ?? 'system',
        ip: ctx?.ip,
        principal: asNewOrgAdmin,
      },
      () =>
        this.apiKeys.create({
          label: dto.admin_key_label ?? `${org.slug} admin`,
          scopes: ['operator.admin'],
        }),
    );
    this.bus.publish('organization.created', { organizationId: org.id, slug: org.slug });
    return { ...organizationView(org), admin_api_key: adminKey };
  }

  async update(id: string, dto: UpdateOrganizationDto): Promise<OrganizationView> {
    const org = await this.visible(id);
    this.requirePlatformAdmin();
    if (dto.disabled === true && org.platform) throw AuthErrors.platformOrgProtected('disabled');
    const wasDisabled = org.disabled;
    if (dto.name !== undefined) org.name = dto.name;
    if (dto.disabled !== undefined) org.disabled = dto.disabled;
    const saved = await this.repo.save(org);
    await this.audit.record({
      action: 'org.update',
      target: `org:${org.slug}`,
      details: { organization_id: org.id, name: dto.name, disabled: dto.disabled },
    });
    if (!wasDisabled && saved.disabled)
      await this.announceCredentialsUnusable(org.id, 'organization disabled');
    return organizationView(saved);
  }

  /** OCMT group lock: every credential of the organization answers 423 ORG_LOCKED until unlocked. */
  async lock(id: string, reason?: string): Promise<OrganizationView> {
    const org = await this.visible(id);
    this.requirePlatformAdmin();
    if (org.platform) throw AuthErrors.platformOrgProtected('locked');
    if (!org.lockedAt) {
      org.lockedAt = new Date();
      org.lockedReason = reason ?? null;
      await this.repo.save(org);
      this.bus.publish('organization.lock_changed', { organizationId: org.id, locked: true });
      await this.announceCredentialsUnusable(org.id, 'organization locked');
      await this.audit.record({
        action: 'org.lock',
        target: `org:${org.slug}`,
        details: { organization_id: org.id, reason },
      });
    }
    return organizationView(org);
  }

  async unlock(id: string): Promise<OrganizationView> {
    const org = await this.visible(id);
    this.requirePlatformAdmin();
    if (org.lockedAt) {
      org.lockedAt = null;
      org.lockedReason = null;
      await this.repo.save(org);
      this.bus.publish('organization.lock_changed', { organizationId: org.id, locked: false });
      await this.audit.record({
        action: 'org.unlock',
        target: `org:${org.slug}`,
        details: { organization_id: org.id },
      });
    }
    return organizationView(org);
  }

  /** Sockets authenticated with the organization's credentials close (the credentials themselves survive an unlock). */
  private async announceCredentialsUnusable(organizationId: string, reason: string): Promise<void> {
    const credentialIds = await this.revocation.liveCredentialIdsOfOrganization(organizationId);
    this.bus.publish('credentials.revoked', { organizationId, credentialIds, reason });
  }

  /** The organization when the caller may see it, else 404 (never 403: other tenants do not exist for you). */
  private async visible(id: string): Promise<Organization> {
    const principal = this.principal();
    if (!principal.platformAdmin && principal.organizationId !== id) throw AuthErrors.orgNotFound(id);
    const org = await this.repo.findById(id);
    if (!org) throw AuthErrors.orgNotFound(id);
    return org;
  }

  private requirePlatformAdmin(): Principal {
    const principal = this.principal();
    if (!principal.platformAdmin) throw AuthErrors.platformAdminOnly();
    return principal;
  }

  private principal(): Principal {
    const principal = RequestContext.principal();
    if (!principal) throw AuthErrors.missingCredentials();
    return principal;
  }
}
