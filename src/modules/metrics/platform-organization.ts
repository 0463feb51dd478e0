import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../common/context/request-context';
import { OrganizationsRepository } from '../auth/repositories/organizations.repository';
import { MetricsErrors } from './metrics.errors';

/**
 * Metrics are cluster-wide: they are stored under the platform organization
 * and only its principals may read them (another tenant must not learn the
 * cluster's traffic). Single-team installs use the `default` organization,
 * which is the platform organization.
 */
@Injectable()
export class PlatformOrganization {
  private id?: string;

  constructor(private readonly orgs: OrganizationsRepository) {}

  async getId(): Promise<string> {
    if (this.id) return this.id;
    const org = await this.orgs.findPlatform();
    if (!org) throw MetricsErrors.noPlatformOrganization();
    this.id = org.id;
    return org.id;
  }

  /** Throws 403 unless the caller belongs to the platform organization. */
  async assertCallerIsPlatform(): Promise<void> {
    const callerOrg = RequestContext.organizationId();
    if (callerOrg !== (await this.getId())) throw MetricsErrors.platformOnly();
  }
}
