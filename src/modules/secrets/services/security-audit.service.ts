import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException } from '../../../common/errors/app-exception';
import { AppConfig } from '../../../config/app-config';
import { DatabaseConfig } from '../../../config/database.config';
import { ServerConfig } from '../../../config/server.config';
import {
  agentFindings,
  environmentFindings,
  mcpConfigFiles,
  mcpFileFindings,
  OrgNames,
  secretNamesByOrg,
  webhookFindings,
} from '../audit/plaintext-config.checks';
import { isProblem, SecurityAuditCheck, SecurityFinding, SEVERITY_RANK } from '../audit/security-finding';
import { DataKeysRepository } from '../repositories/data-keys.repository';
import { SecretsRepository } from '../repositories/secrets.repository';
import { VaultService } from '../vault.service';
import { DataKeysService } from './data-keys.service';
import { MasterKeyring } from './master-keyring.service';
import { VaultLockService } from './vault-lock.service';

export interface SecurityAuditReport {
  ok: boolean;
  master_key_id: string | null;
  key_source: string;
  checked: { data_keys: number; secrets: number; config_files: number };
  findings: SecurityFinding[];
}

/**
 * `clawcontrol security audit` and the vault's self-check: every stored secret
 * decrypts and sits under a data key wrapped with the current master key; no
 * plaintext credentials in agent, webhook or MCP config or stray environment
 * variables. Plaintext is decrypted only to prove integrity and dropped at once.
 * Spans every organization (an operator-level check).
 */
@Injectable()
export class SecurityAuditService {
  private readonly logger = new Logger('SecurityAudit');
  private readonly extraChecks = new Map<string, SecurityAuditCheck>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly keyring: MasterKeyring,
    private readonly dataKeysRepo: DataKeysRepository,
    private readonly dataKeys: DataKeysService,
    private readonly secrets: SecretsRepository,
    private readonly vault: VaultService,
    private readonly locks: VaultLockService,
    private readonly appConfig: AppConfig,
    private readonly db: DatabaseConfig,
    private readonly server: ServerConfig,
  ) {}

  /** Other modules add checks (e.g. the MCP module for config it stores elsewhere). */
  registerCheck(check: SecurityAuditCheck): void {
    this.extraChecks.set(check.name, check);
  }

  /**
   * The whole audit. With `organizationId` (the self-check of one organization's
   * operators), findings about other organizations are left out.
   */
  async run(opts: { organizationId?: string } = {}): Promise<SecurityAuditReport> {
    const orgs: OrgNames = new Map(
      ((await this.ds.query(`SELECT id, slug FROM organizations`)) as { id: string; slug: string }[]).map((o) => [o.id, o.slug]),
    );
    const findings: SecurityFinding[] = [...this.masterKeyFindings()];
    const dataKeys = await this.dataKeyFindings(orgs, findings);
    const secrets = await this.secretFindings(orgs, findings);
    findings.push(...(await this.lockFindings(orgs)));

    const names = await secretNamesByOrg(this.ds);
    findings.push(...(await agentFindings(this.ds, orgs, names)));
    findings.push(...(await webhookFindings(this.ds, orgs, names)));
    const files = mcpConfigFiles(this.db.dataDir);
    findings.push(...mcpFileFindings(files));
    findings.push(...environmentFindings(this.appConfig));
    for (const check of this.extraChecks.values()) {
      try {
        findings.push(...(await check.run()));
      } catch (err) {
        this.logger.warn(`security audit check '${check.name}' failed: ${(err as Error).message}`);
        findings.push({ code: 'AUDIT_CHECK_FAILED', severity: 'low', target: `check:${check.name}`, message: `the ${check.name} check could not run`, fix: 'see the service log' });
      }
    }

    if (opts.organizationId) {
      const visible = findings.filter((f) => !f.organizationId || f.organizationId === opts.organizationId);
      findings.splice(0, findings.length, ...visible);
    }
    findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.code.localeCompare(b.code) || a.target.localeCompare(b.target));
    return {
      ok: !findings.some(isProblem),
      master_key_id: this.keyring.current?.id ?? null,
      key_source: this.keyring.source,
      checked: { data_keys: dataKeys, secrets, config_files: files.length },
      findings,
    };
  }

  private masterKeyFindings(): SecurityFinding[] {
    const out: SecurityFinding[] = [];
    const production = this.server.nodeEnv === 'production';
    if (!this.keyring.configured) {
      out.push({
        code: 'VAULT_UNCONFIGURED',
        severity: 'high',
        target: 'env:ENCRYPTION_KEY',
        message: 'ENCRYPTION_KEY is not set: the secrets vault cannot store or resolve secrets (secrets endpoints answer 503)',
        fix: 'set ENCRYPTION_KEY to 64 hex characters from your secret store (openssl rand -hex 32), the same on every replica',
      });
    }
    if (this.keyring.source === 'key_file') {
      const mode = this.keyring.keyFileMode();
      out.push({
        code: 'MASTER_KEY_IN_DATA_DIR',
        severity: production ? 'medium' : 'low',
        target: `file:${this.keyring.keyFilePath}`,
        message: 'the master key is a generated file next to the embedded database: a copy of DATA_DIR holds both the data and its key',
        fix: 'set ENCRYPTION_KEY to the content of that file from a secret store, then delete the file; back up pgdata, never encryption.key',
      });
      if (mode !== undefined && (mode & 0o077) !== 0) {
        out.push({
          code: 'MASTER_KEY_FILE_PERMISSIONS',
          severity: 'high',
          target: `file:${this.keyring.keyFilePath}`,
          message: `the master key file is readable by others (mode ${mode.toString(8)})`,
          fix: `chmod 600 ${this.keyring.keyFilePath}`,
        });
      }
    }
    if (this.keyring.source === 'ephemeral') {
      out.push({
        code: 'MASTER_KEY_EPHEMERAL',
        severity: 'info',
        target: 'env:ENCRYPTION_KEY',
        message: 'in-memory database with a random per-process master key: secrets vanish with the process',
        fix: 'nothing to do for tests; set DATA_DIR or DATABASE_URL and ENCRYPTION_KEY to keep secrets',
      });
    }
    return out;
  }

  /** Checks every data key: wrapped with a held key, preferably the current one, and authenticates. */
  private async dataKeyFindings(orgs: OrgNames, out: SecurityFinding[]): Promise<number> {
    const rows = await this.dataKeysRepo.listAll();
    let onPrevious = 0;
    for (const row of rows) {
      const target = `org:${orgs.get(row.organizationId) ?? row.organizationId}/data_key`;
      if (this.keyring.current && row.masterKeyId !== this.keyring.current.id) {
        if (this.keyring.previous?.id === row.masterKeyId) {
          onPrevious++;
          out.push({
            code: 'DATA_KEY_NOT_ROTATED',
            severity: 'medium',
            target,
            message: `the data key is still wrapped with ENCRYPTION_KEY_PREVIOUS (${row.masterKeyId}), not ENCRYPTION_KEY (${this.keyring.current.id})`,
            fix: 'run: clawcontrol secrets rotate-master (with ENCRYPTION_KEY=new and ENCRYPTION_KEY_PREVIOUS=old)',
            organizationId: row.organizationId,
          });
        }
      }
      try {
        this.dataKeys.unwrap(row);
      } catch (err) {
        out.push({ ...this.decryptFailure(err, target, 'the data key', true), organizationId: row.organizationId });
      }
    }
    if (this.keyring.previous && onPrevious === 0) {
      out.push({
        code: 'ENCRYPTION_KEY_PREVIOUS_UNUSED',
        severity: 'low',
        target: 'env:ENCRYPTION_KEY_PREVIOUS',
        message: 'no data key is wrapped with ENCRYPTION_KEY_PREVIOUS any more',
        fix: 'remove ENCRYPTION_KEY_PREVIOUS from the environment and destroy the old key',
      });
    }
    return rows.length;
  }

  /** Decrypts every secret (plaintext discarded at once) to prove it authenticates. */
  private async secretFindings(orgs: OrgNames, out: SecurityFinding[]): Promise<number> {
    if (!this.keyring.configured) return 0;
    let n = 0;
    for await (const secret of this.secrets.walkAll()) {
      n++;
      try {
        await this.vault.decryptRow(secret);
      } catch (err) {
        const target = `org:${orgs.get(secret.organizationId) ?? secret.organizationId}/secret:${secret.name}`;
        out.push({ ...this.decryptFailure(err, target, `secret ${secret.name}`, false), organizationId: secret.organizationId });
      }
    }
    return n;
  }

  private decryptFailure(err: unknown, target: string, what: string, isDataKey: boolean): SecurityFinding {
    const code = err instanceof AppException ? err.code : 'DECRYPT_FAILED';
    if (code === 'VAULT_MASTER_KEY_MISSING') {
      return {
        code: 'DATA_KEY_FOREIGN_MASTER_KEY',
        severity: 'high',
        target,
        message: `${what} is wrapped with a master key this process does not hold`,
        fix: 'set ENCRYPTION_KEY (or ENCRYPTION_KEY_PREVIOUS) to the key it was encrypted with; its fingerprint is in the data_keys.master_key_id column',
      };
    }
    return {
      code: isDataKey ? 'DATA_KEY_TAMPERED' : code === 'SECRET_TAMPERED' ? 'SECRET_TAMPERED' : 'SECRET_UNREADABLE',
      severity: 'high',
      target,
      message: `${what} does not decrypt: its stored ciphertext was modified, moved or truncated`,
      fix: isDataKey
        ? 'restore the data_keys row from a backup; otherwise every secret of this organization must be written again'
        : 'write the secret again (PUT /api/secrets/<name>) with a freshly rotated value; investigate who changed the row',
    };
  }

  private async lockFindings(orgs: OrgNames): Promise<SecurityFinding[]> {
    const held = await this.locks.heldLocks();
    const out: SecurityFinding[] = [];
    if (held.global) {
      out.push({ code: 'VAULT_LOCKED', severity: 'info', target: 'vault:global', message: 'the vault is locked for every organization', fix: 'unlock when the incident is over: DELETE /api/secrets/lock {"scope":"global"}' });
    }
    for (const id of held.organizationIds) {
      out.push({
        code: 'VAULT_LOCKED',
        severity: 'info',
        target: `org:${orgs.get(id) ?? id}/vault`,
        message: 'the vault of this organization is locked',
        fix: 'unlock when the incident is over: DELETE /api/secrets/lock',
        organizationId: id,
      });
    }
    return out;
  }
}
