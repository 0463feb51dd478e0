import { IsOptional, IsString } from 'class-validator';
import { CrossFieldCheck } from '../../config/config-loader';
import { EnvVar } from '../../config/env-var.decorator';
import { AcpSettings, resolveAcpSettings } from './config/acp-settings';

/**
 * ACP subagents (`subagents.acp.*`). Every setting comes from its environment
 * variable or, when unset there, from SUBAGENTS_CONFIG_FILE (JSON or YAML with
 * the dotted keys as nested objects). Parsing and the checks that span keys
 * live in resolveAcpSettings; problems name the variable or key.
 */
export class SubagentsConfig implements CrossFieldCheck {
  @EnvVar({
    name: 'SUBAGENTS_CONFIG_FILE',
    doc: 'JSON/YAML file with a "subagents" object (acp.enabled, acp.command, acp.targets.<name>, …); environment variables win key by key',
  })
  @IsOptional()
  @IsString()
  configFile?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_ENABLED',
    doc: 'subagents.acp.enabled: allow sessions.spawn with runtime "acp"',
    default: 'false',
  })
  @IsOptional()
  @IsString()
  enabled?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_COMMAND',
    doc: 'subagents.acp.command: ACP agent executable (speaks ACP over stdio)',
  })
  @IsOptional()
  @IsString()
  command?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_ARGS',
    doc: 'subagents.acp.args: arguments of the command (JSON array, or space-separated)',
  })
  @IsOptional()
  @IsString()
  args?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_ENV',
    doc: 'subagents.acp.env: extra environment of the command as a JSON object; values may be secret:<name> vault references',
    secret: true,
  })
  @IsOptional()
  @IsString()
  env?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_CWD',
    doc: 'subagents.acp.cwd: fixed working directory of the command (default: one per session)',
  })
  @IsOptional()
  @IsString()
  cwd?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_TARGETS',
    doc: 'subagents.acp.targets as JSON: {"<name>": {"command", "args"?, "env"?, "cwd"?, "enabled"?}}',
    secret: true,
  })
  @IsOptional()
  @IsString()
  targets?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_DEFAULT_TARGET',
    doc: 'subagents.acp.default_target: target used when runtime_target is not given',
  })
  @IsOptional()
  @IsString()
  defaultTarget?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_PERMISSION_MODE',
    doc: 'subagents.acp.permission_mode: auto_approve | deny | ask (ask: operators answer exec.approval.requested)',
    default: 'ask',
  })
  @IsOptional()
  @IsString()
  permissionMode?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_MAX_CONCURRENT',
    doc: 'subagents.acp.max_concurrent: ACP agent processes one replica runs at once',
    default: '4',
  })
  @IsOptional()
  @IsString()
  maxConcurrent?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_RUN_TIMEOUT_SECS',
    doc: 'subagents.acp.run_timeout_secs: timeout of a subagent run (spawn run_timeout_secs overrides)',
    default: '1800',
  })
  @IsOptional()
  @IsString()
  runTimeoutSecs?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_MAX_OUTPUT_BYTES',
    doc: 'subagents.acp.max_output_bytes: answer text a subagent may stream; more fails the run',
    default: '1048576',
  })
  @IsOptional()
  @IsString()
  maxOutputBytes?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_TERMINAL_OUTPUT_BYTES',
    doc: 'subagents.acp.terminal_output_bytes: output kept per agent terminal (the tail)',
    default: '262144',
  })
  @IsOptional()
  @IsString()
  terminalOutputBytes?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_MAX_FILE_BYTES',
    doc: 'subagents.acp.max_file_bytes: largest file an agent may read or write',
    default: '5242880',
  })
  @IsOptional()
  @IsString()
  maxFileBytes?: string;

  @EnvVar({
    name: 'SUBAGENTS_ACP_APPROVAL_TIMEOUT_SECS',
    doc: 'subagents.acp.approval_timeout_secs: an unanswered permission request is denied after this',
    default: '300',
  })
  @IsOptional()
  @IsString()
  approvalTimeoutSecs?: string;

  @EnvVar({
    name: 'SUBAGENTS_WORKSPACES_DIR',
    doc: 'subagents.workspaces_dir: root of per-session working directories (default DATA_DIR/workspaces)',
  })
  @IsOptional()
  @IsString()
  workspacesDir?: string;

  private resolved?: AcpSettings;

  crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
    const { settings, problems } = resolveAcpSettings(env);
    this.resolved = settings;
    return problems;
  }

  /** The effective `subagents.acp` settings (validated at boot). */
  get acp(): AcpSettings {
    this.resolved ??= resolveAcpSettings(process.env).settings;
    return this.resolved;
  }
}
