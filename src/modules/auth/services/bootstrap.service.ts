import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { systemPrincipal } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { AppException } from '../../../common/errors/app-exception';
import { AuthConfig } from '../auth.config';
import { OrganizationsRepository } from '../repositories/organizations.repository';
import { ApiKeysService } from './api-keys.service';
import { UsersService } from './users.service';

/** Applies ADMIN_API_KEY and ADMIN_EMAIL/ADMIN_PASSWORD at boot, idempotently, in the platform organization. */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    private readonly config: AuthConfig,
    private readonly orgs: OrganizationsRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const platform = await this.orgs.findPlatform();
    if (!platform) {
      this.logger.warn('no platform organization (migrations not applied?): skipping bootstrap');
      return;
    }
    await RequestContext.run(
      { requestId: 'bootstrap', transport: 'system', principal: systemPrincipal(platform.id) },
      async () => {
        if (this.config.adminApiKey) {
          const outcome = await this.apiKeys.ensureBootstrapKey(this.config.adminApiKey, platform.id);
          if (outcome === 'created') this.logger.log('ADMIN_API_KEY registered as an operator.admin key');
        }
        if (this.config.adminEmail && this.config.adminPassword)
          await this.ensureAdminUser(this.config.adminEmail, this.config.adminPassword);
      },
    );
  }

  /** The admin user is created once; a later boot never resets a password the admin has changed since. */
  private async ensureAdminUser(email: string, password: string): Promise<void> {
    try {
      const { outcome } = await this.users.ensureAdmin(email, password, false);
      if (outcome !== 'exists') this.logger.log(`ADMIN_EMAIL admin user ${outcome}`);
    } catch (err) {
      if (!(err instanceof AppException)) throw err;
      // Weak password or an email taken by another organization: report, keep serving.
      this.logger.error(`ADMIN_EMAIL/ADMIN_PASSWORD not applied: ${err.detail}`);
    }
  }
}
