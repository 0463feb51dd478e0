import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RequestContext, RequestContextData } from '../../common/context/request-context';
import { DatabaseConfig } from '../../config/database.config';
import { SERVICE_VERSION } from '../../version';
import {
  ModelProvider,
  ProviderError,
  ProviderTurnRequest,
  ProviderTurnResult,
} from '../runtime/providers/provider.types';
import { VaultService } from '../secrets/vault.service';
import { loadAcpSdk } from './acp/acp-sdk';
import { Workspace } from './acp/workspace';
import { ApprovalsService } from './approvals/approvals.service';
import { AcpSettings, AcpTarget, acpAvailable } from './config/acp-settings';
import { SubagentRunsRepository } from './repositories/subagent-runs.repository';
import { SubagentsLogRepository } from './repositories/subagents-log.repository';
import { SubagentLogWriter } from './subagent-log-writer';
import { SubagentProcesses } from './subagent-processes';
import { SubagentSession } from './subagent-session';
import { SubagentsConfig } from './subagents.config';

export const SUBAGENT_REF_PREFIX = 'subagent:';

/** Variables of the service's own environment an agent process inherits; nothing else (no keys, no DATABASE_URL). */
const PASSTHROUGH_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TERM',
  'SystemRoot',
];

/** The chosen target of a spawn: a named target, or the plain command (name null). */
export function findTarget(settings: AcpSettings, name: string | null): AcpTarget | undefined {
  return name === null ? (settings.command ?? undefined) : settings.targets[name];
}

/**
 * Provider `acp`: a run started by spawn with runtime "acp" (run.source_ref
 * `subagent:<id>`) executes here, inside the normal run lifecycle (abort,
 * timeout, lease, transcript, chat events) — the turn is one ACP prompt turn
 * of an external agent process.
 */
@Injectable()
export class AcpSubagentProvider implements ModelProvider {
  readonly type = 'acp';

  constructor(
    private readonly config: SubagentsConfig,
    private readonly db: DatabaseConfig,
    private readonly runs: SubagentRunsRepository,
    private readonly logRepo: SubagentsLogRepository,
    private readonly approvals: ApprovalsService,
    private readonly processes: SubagentProcesses,
    private readonly vault: VaultService,
  ) {}

  /** Root of the per-session working directories. */
  workspacesRoot(): string {
    const configured = this.config.acp.workspacesDir;
    if (configured) return configured;
    return this.db.dataDir.startsWith('memory://')
      ? join(tmpdir(), 'clawcontrol-workspaces')
      : join(resolve(this.db.dataDir), 'workspaces');
  }

  /** The working directory of a session: the target's cwd, else <root>/<org>/<session key as a file name>. */
  workspaceFor(organizationId: string, sessionKey: string, target: AcpTarget): string {
    if (target.cwd) return target.cwd;
    const safe = sessionKey.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
    const hash = createHash('sha256').update(sessionKey).digest('hex').slice(0, 8);
    return join(this.workspacesRoot(), organizationId, `${safe}-${hash}`);
  }

  async turn(req: ProviderTurnRequest): Promise<ProviderTurnResult> {
    const ref = req.run?.sourceRef;
    if (!req.run || !ref?.startsWith(SUBAGENT_REF_PREFIX))
      throw new ProviderError(
        'provider "acp" only runs subagents started by sessions.spawn with runtime "acp"',
        'config',
      );
    const id = ref.slice(SUBAGENT_REF_PREFIX.length);
    const settings = this.config.acp;
    this.processes.release(id);
    if (!acpAvailable(settings)) throw new ProviderError('ACP runtime is disabled', 'config');
    const row = await this.runs.findById(id);
    if (!row) throw new ProviderError(`subagent run ${id} not found`, 'config');
    const target = findTarget(settings, row.target);
    if (!target)
      throw new ProviderError(`ACP target '${row.target ?? '(command)'}' is no longer configured`, 'config');
    if (!target.enabled) throw new ProviderError(`ACP target '${row.target}' is disabled`, 'config');
    if (this.processes.count() >= settings.maxConcurrent)
      throw new ProviderError(
        `too many concurrent subagents on this replica (subagents.acp.max_concurrent = ${settings.maxConcurrent})`,
        'subagent',
      );

    const { env, secrets } = await this.childEnv(target);
    const workspace = await Workspace.open(this.workspaceFor(req.run.organizationId, row.sessionKey, target));
    const context = RequestContext.current() as RequestContextData;
    const log = new SubagentLogWriter(this.logRepo, context, row.id, req.run.id, secrets);
    const sdk = await loadAcpSdk();
    const session = new SubagentSession(
      {
        sdk,
        settings,
        runs: this.runs,
        approvals: this.approvals,
        processes: this.processes,
        log,
        clientVersion: SERVICE_VERSION,
      },
      { row, target, workspace, env, secrets },
      req,
    );
    return session.run();
  }

  /** A minimal inherited environment plus the target's own (secret:<name> values resolved through the vault). */
  private async childEnv(target: AcpTarget): Promise<{ env: NodeJS.ProcessEnv; secrets: string[] }> {
    const env: NodeJS.ProcessEnv = {};
    for (const name of PASSTHROUGH_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
    const secrets: string[] = [];
    for (const [name, value] of Object.entries(target.env)) {
      let resolved: string;
      try {
        resolved = await this.vault.resolve(value);
      } catch (err) {
        throw new ProviderError(
          `cannot resolve env ${name} of the ACP target: ${(err as Error).message}`,
          'config',
        );
      }
      if (resolved !== value) secrets.push(resolved);
      env[name] = resolved;
    }
    return { env, secrets };
  }
}
