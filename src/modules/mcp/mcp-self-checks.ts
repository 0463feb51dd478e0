import { Injectable, OnModuleInit } from '@nestjs/common';
import { resolve } from 'node:path';
import { DatabaseConfig } from '../../config/database.config';
import { SelfCheckService, SelfCheckWarning } from '../auth/self-check/self-check.service';
import { mcpFileFindings } from '../secrets/audit/plaintext-config.checks';
import { SecurityFinding } from '../secrets/audit/security-finding';
import { SecurityAuditService } from '../secrets/services/security-audit.service';
import { ToolsSettingsService } from './config/tools-settings.service';
import { McpService } from './mcp.service';

const list = (items: string[], max = 3) =>
  items.slice(0, max).join('; ') + (items.length > max ? `; … (${items.length - max} more)` : '');

/**
 * GET /api/config/self_check: skipped MCP config fragments, unknown keys,
 * web_fetch protections switched off. `security audit`: literal credentials in
 * MCP files when MCP_CONFIG_DIR is not DATA_DIR (the vault's audit reads DATA_DIR).
 */
@Injectable()
export class McpSelfChecks implements OnModuleInit {
  constructor(
    private readonly selfCheck: SelfCheckService,
    private readonly securityAudit: SecurityAuditService,
    private readonly mcp: McpService,
    private readonly settings: ToolsSettingsService,
    private readonly db: DatabaseConfig,
  ) {}

  onModuleInit(): void {
    this.selfCheck.register({ name: 'mcp.config', run: () => this.warnings() });
    this.securityAudit.registerCheck({ name: 'mcp.config_files', run: () => this.findings() });
  }

  warnings(): SelfCheckWarning[] {
    const out: SelfCheckWarning[] = [];
    const { errors } = this.mcp.configLoad;
    if (errors.length) {
      out.push({
        code: 'MCP_CONFIG_INVALID',
        severity: 'medium',
        message: `${errors.length} MCP config file(s) or server(s) skipped: ${list(errors.map((e) => `${e.file}${e.server ? ` (${e.server})` : ''}: ${e.error}`))}`,
        fix: 'fix the JSON or the keys named, then POST /api/mcp/reload (GET /api/mcp/servers lists config_errors)',
      });
    }
    const warnings = this.mcp.warnings;
    if (warnings.length) {
      out.push({
        code: 'MCP_CONFIG_WARNINGS',
        severity: 'low',
        message: `MCP config: ${list(warnings.map((w) => `${w.file}${w.server ? ` (${w.server})` : ''}: ${w.error}`))}`,
        fix: 'remove unknown keys (typos are ignored, not applied) and create or correct the organizations named',
      });
    }
    const url = this.settings.current.webFetchUrlValidation;
    if (url.allow_private_hosts.length) {
      out.push({
        code: 'WEB_FETCH_PRIVATE_HOSTS_ALLOWED',
        severity: 'high',
        message: `web_fetch may reach private addresses through ${url.allow_private_hosts.join(', ')} (web_fetch_url_validation.allow_private_hosts, a test-only escape)`,
        fix: 'remove allow_private_hosts from TOOLS_CONFIG_FILE outside tests',
      });
    }
    if (!url.enabled) {
      out.push({
        code: 'WEB_FETCH_URL_VALIDATION_DISABLED',
        severity: 'medium',
        message:
          'web_fetch_url_validation.enabled is false: schemes and host allow/deny lists are not enforced (private addresses stay blocked)',
        fix: 'set web_fetch_url_validation.enabled: true in TOOLS_CONFIG_FILE',
      });
    }
    const content = this.settings.current.webFetchValidation;
    if (!content.enabled) {
      out.push({
        code: 'WEB_FETCH_CONTENT_VALIDATION_DISABLED',
        severity: 'low',
        message:
          'web_fetch_validation.enabled is false: fetched pages are not scanned for prompt-injection patterns',
        fix: 'set web_fetch_validation.enabled: true (strict_mode: true blocks, false flags)',
      });
    }
    return out;
  }

  findings(): SecurityFinding[] {
    const dir = this.mcp.configDir;
    const dataDir = this.db.dataDir.startsWith('memory://') ? undefined : resolve(this.db.dataDir);
    const files = this.mcp.configLoad.files;
    const out: SecurityFinding[] = dir && dir !== dataDir ? mcpFileFindings(files) : [];
    for (const spec of this.mcp.configLoad.servers) {
      if (spec.endpoint && /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(spec.endpoint)) {
        out.push({
          code: 'PLAINTEXT_SECRET_IN_CONFIG',
          severity: 'high',
          target: `file:${spec.sources[spec.sources.length - 1]}#${spec.name}.endpoint`,
          message: `MCP server ${spec.name} has credentials embedded in its endpoint URL`,
          fix: 'move the credential into a header whose value is "secret:<name>"',
        });
      }
    }
    return out;
  }
}
