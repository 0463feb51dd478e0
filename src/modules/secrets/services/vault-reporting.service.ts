import { Injectable, OnModuleInit } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { SelfCheckService, SelfCheckWarning } from '../../auth/self-check/self-check.service';
import { HealthContributors } from '../../health/health-contributors';
import { SecurityFinding, SEVERITY_RANK } from '../audit/security-finding';
import { MasterKeyring } from './master-keyring.service';
import { SecurityAuditService } from './security-audit.service';
import { VaultLockService } from './vault-lock.service';

/** Security-audit findings as self-check warnings: one per code (the registry keeps one per code), info as low. */
export function toSelfCheckWarnings(findings: SecurityFinding[]): SelfCheckWarning[] {
  const groups = new Map<string, SecurityFinding[]>();
  for (const f of findings) groups.set(f.code, [...(groups.get(f.code) ?? []), f]);
  return [...groups.entries()].map(([code, group]) => {
    const worst = group.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b : a));
    const targets = group.map((f) => f.target);
    const where = targets.length === 1 ? targets[0] : `${targets.length} places: ${targets.slice(0, 5).join(', ')}${targets.length > 5 ? ', …' : ''}`;
    return {
      code,
      severity: worst.severity === 'info' ? 'low' : worst.severity,
      message: `${worst.message} (${where})`,
      fix: `${worst.fix}; details: clawcontrol security audit`,
    };
  });
}

/**
 * Makes the vault visible to operators: a `vault` block in /api/health and the
 * security audit as a self-check (GET /api/config/self_check).
 */
@Injectable()
export class VaultReporting implements OnModuleInit {
  constructor(
    private readonly health: HealthContributors,
    private readonly keyring: MasterKeyring,
    private readonly locks: VaultLockService,
    private readonly audit: SecurityAuditService,
    private readonly selfCheck: SelfCheckService,
  ) {}

  onModuleInit(): void {
    this.health.register('vault', async () => {
      const held = await this.locks.heldLocks();
      return {
        configured: this.keyring.configured,
        key_source: this.keyring.source,
        master_key_id: this.keyring.current?.id ?? null,
        previous_key_id: this.keyring.previous?.id ?? null,
        locked_global: held.global,
        locked_organizations: held.organizationIds.length,
      };
    });
    // Scoped to the caller's organization: other organizations' secret names stay invisible.
    this.selfCheck.register({
      name: 'secrets.vault',
      run: async () => toSelfCheckWarnings((await this.audit.run({ organizationId: RequestContext.principal()?.organizationId })).findings),
    });
  }
}
