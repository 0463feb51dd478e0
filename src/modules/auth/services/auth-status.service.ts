import { Injectable } from '@nestjs/common';
import { Principal } from '../../../common/context/principal';
import { OrganizationsRepository } from '../repositories/organizations.repository';
import { UsersRepository } from '../repositories/users.repository';
import { LockdownService } from './lockdown.service';

/** GET /api/auth/status: a description of the caller, without any secret. */
@Injectable()
export class AuthStatusService {
  constructor(
    private readonly orgs: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly lockdown: LockdownService,
  ) {}

  async describe(principal: Principal | undefined): Promise<Record<string, unknown>> {
    const lockdown = await this.lockdown.isActive();
    if (!principal) return { authenticated: false, lockdown };
    const org = await this.orgs.findById(principal.organizationId);
    const user =
      principal.kind === 'user' && principal.userId
        ? await this.users.findByIdUnscoped(principal.userId)
        : null;
    return {
      authenticated: true,
      kind: principal.kind,
      actor: principal.actor,
      scopes: [...principal.scopes].sort(),
      platform_admin: !!principal.platformAdmin,
      organization: org
        ? { id: org.id, slug: org.slug, name: org.name, platform: org.platform }
        : { id: principal.organizationId },
      user: user ? { id: user.id, email: user.email, role: user.role } : undefined,
      agent_id: principal.kind === 'agent' ? principal.id : undefined,
      credential_id: principal.credentialId,
      expires_at: principal.expiresAt?.toISOString() ?? null,
      csrf_required: !!principal.viaCookie,
      lockdown,
    };
  }
}
