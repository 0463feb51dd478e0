import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const PERMISSION_MODES = ['auto_approve', 'deny', 'ask'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** One ACP agent executable: `subagents.acp.command` (name null) or `subagents.acp.targets.<name>`. */
export interface AcpTarget {
  /** null for the plain `subagents.acp.command`. */
  name: string | null;
  command: string;
  args: string[];
  /** Extra environment; values may be `secret:<name>` vault references (resolved at spawn). */
  env: Record<string, string>;
  /** Fixed working directory (shared by its sessions); null = a directory per session. */
  cwd: string | null;
  enabled: boolean;
}

/** The effective `subagents.*` settings (environment over config file over defaults). */
export interface AcpSettings {
  enabled: boolean;
  command: AcpTarget | null;
  targets: Record<string, AcpTarget>;
  defaultTarget: string | null;
  permissionMode: PermissionMode;
  maxConcurrent: number;
  runTimeoutSecs: number;
  maxOutputBytes: number;
  terminalOutputBytes: number;
  maxFileBytes: number;
  approvalTimeoutSecs: number;
  /** Root of the per-session working directories; null = DATA_DIR/workspaces. */
  workspacesDir: string | null;
  configFile: string | null;
}

const MIB = 1024 * 1024;
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Scalar settings: key under `subagents.acp`, environment variable, range, default. */
const NUMBERS = {
  max_concurrent: { env: 'SUBAGENTS_ACP_MAX_CONCURRENT', min: 1, max: 1000, def: 4 },
  run_timeout_secs: { env: 'SUBAGENTS_ACP_RUN_TIMEOUT_SECS', min: 1, max: 86_400, def: 1800 },
  max_output_bytes: { env: 'SUBAGENTS_ACP_MAX_OUTPUT_BYTES', min: 1024, max: 64 * MIB, def: MIB },
  terminal_output_bytes: {
    env: 'SUBAGENTS_ACP_TERMINAL_OUTPUT_BYTES',
    min: 1024,
    max: 64 * MIB,
    def: 256 * 1024,
  },
  max_file_bytes: { env: 'SUBAGENTS_ACP_MAX_FILE_BYTES', min: 1, max: 256 * MIB, def: 5 * MIB },
  approval_timeout_secs: { env: 'SUBAGENTS_ACP_APPROVAL_TIMEOUT_SECS', min: 1, max: 86_400, def: 300 },
} as const;

export const ACP_ENV = {
  configFile: 'SUBAGENTS_CONFIG_FILE',
  enabled: 'SUBAGENTS_ACP_ENABLED',
  command: 'SUBAGENTS_ACP_COMMAND',
  args: 'SUBAGENTS_ACP_ARGS',
  env: 'SUBAGENTS_ACP_ENV',
  cwd: 'SUBAGENTS_ACP_CWD',
  targets: 'SUBAGENTS_ACP_TARGETS',
  defaultTarget: 'SUBAGENTS_ACP_DEFAULT_TARGET',
  permissionMode: 'SUBAGENTS_ACP_PERMISSION_MODE',
  workspacesDir: 'SUBAGENTS_WORKSPACES_DIR',
  ...Object.fromEntries(Object.entries(NUMBERS).map(([k, v]) => [k, v.env])),
} as Record<string, string>;

const ACP_KEYS = [
  'enabled',
  'command',
  'args',
  'env',
  'cwd',
  'working_directory',
  'targets',
  'default_target',
  'permission_mode',
  ...Object.keys(NUMBERS),
];
const TARGET_KEYS = ['command', 'args', 'env', 'cwd', 'working_directory', 'enabled'];

/** Where a value came from, so a problem names what the operator must fix. */
interface Source {
  /** `SUBAGENTS_ACP_X: ` or `subagents.acp.x (in file): ` prefix. */
  label: string;
}

type Problems = string[];

function envSource(name: string, key: string): Source {
  return { label: `${name}: ${key}` };
}

function fileSource(key: string, file: string): Source {
  return { label: `${key} (in ${file}):` };
}

function fail(problems: Problems, src: Source, message: string): undefined {
  problems.push(`${src.label} ${message}`);
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Reads SUBAGENTS_CONFIG_FILE (JSON or YAML) and returns its `subagents` object. */
export function readSubagentsFile(path: string, problems: Problems): Record<string, unknown> | undefined {
  const src = { label: `${ACP_ENV.configFile}:` };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(
      problems,
      src,
      code === 'ENOENT'
        ? `file not found: ${path}`
        : `cannot read ${path}: ${code ?? (err as Error).message}`,
    );
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    return fail(
      problems,
      src,
      `${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML/JSON'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc))
    return fail(problems, src, `${path} must contain an object with a "subagents" key`);
  const sub = doc.subagents;
  if (sub === undefined || sub === null) return {};
  if (!isPlainObject(sub)) return fail(problems, fileSource('subagents', path), 'must be an object');
  for (const key of Object.keys(sub)) {
    if (key !== 'acp' && key !== 'workspaces_dir')
      problems.push(`subagents.${key} (in ${path}): unknown key (known: acp, workspaces_dir)`);
  }
  if (sub.acp !== undefined && sub.acp !== null && !isPlainObject(sub.acp)) {
    return fail(problems, fileSource('subagents.acp', path), 'must be an object');
  }
  const acp = (sub.acp ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(acp)) {
    if (!ACP_KEYS.includes(key))
      problems.push(`subagents.acp.${key} (in ${path}): unknown key (known: ${ACP_KEYS.join(', ')})`);
  }
  return sub;
}

function parseBool(raw: unknown, src: Source, problems: Problems): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
  }
  return fail(problems, src, `must be true or false (got ${JSON.stringify(raw)})`);
}

function parseInt(
  raw: unknown,
  src: Source,
  min: number,
  max: number,
  problems: Problems,
): number | undefined {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    return fail(problems, src, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return n;
}

function parseString(raw: unknown, src: Source, problems: Problems): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '')
    return fail(problems, src, `must be a non-empty string (got ${JSON.stringify(raw)})`);
  return raw;
}

/** A JSON array of strings; from the environment also a whitespace-separated list. */
function parseArgs(raw: unknown, src: Source, problems: Problems, fromEnv: boolean): string[] | undefined {
  let value = raw;
  if (fromEnv && typeof raw === 'string') {
    if (!raw.trim().startsWith('[')) return raw.split(/\s+/).filter(Boolean);
    try {
      value = JSON.parse(raw);
    } catch {
      return fail(problems, src, 'must be a JSON array of strings or a space-separated list');
    }
  }
  if (!Array.isArray(value) || value.some((a) => typeof a !== 'string')) {
    return fail(problems, src, 'must be an array of strings');
  }
  return value as string[];
}

function parseEnvMap(
  raw: unknown,
  src: Source,
  problems: Problems,
  fromEnv: boolean,
): Record<string, string> | undefined {
  let value = raw;
  if (fromEnv && typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return fail(problems, src, 'must be a JSON object of NAME: "value" strings');
    }
  }
  if (!isPlainObject(value)) return fail(problems, src, 'must be an object of NAME: "value" strings');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) {
      fail(problems, src, `has an invalid variable name ${JSON.stringify(name)}`);
      continue;
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      fail(problems, src, `variable ${name} must be a string`);
      continue;
    }
    out[name] = String(v);
  }
  return out;
}

function parseDir(raw: unknown, src: Source, problems: Problems, mustExist: boolean): string | undefined {
  const path = parseString(raw, src, problems);
  if (path === undefined) return undefined;
  if (!isAbsolute(path)) return fail(problems, src, `must be an absolute path (got ${JSON.stringify(path)})`);
  if (mustExist) {
    let dir = false;
    try {
      dir = statSync(path).isDirectory();
    } catch {
      return fail(problems, src, `directory does not exist: ${path}`);
    }
    if (!dir) return fail(problems, src, `is not a directory: ${path}`);
  }
  return path;
}

function parseTarget(
  name: string,
  raw: unknown,
  srcOf: (field: string) => Source,
  problems: Problems,
): AcpTarget | undefined {
  if (!TARGET_NAME.test(name)) {
    return fail(
      problems,
      srcOf(''),
      `target name ${JSON.stringify(name)} must be 1-64 of letters, digits, _ . - (starting with a letter or digit)`,
    );
  }
  if (!isPlainObject(raw)) return fail(problems, srcOf(''), 'must be an object with at least "command"');
  for (const key of Object.keys(raw)) {
    if (!TARGET_KEYS.includes(key))
      fail(problems, srcOf(`.${key}`), `unknown key (known: ${TARGET_KEYS.join(', ')})`);
  }
  if (raw.cwd !== undefined && raw.working_directory !== undefined)
    fail(problems, srcOf('.cwd'), 'give cwd or working_directory, not both');
  const command =
    raw.command === undefined
      ? fail(problems, srcOf('.command'), 'is required')
      : parseString(raw.command, srcOf('.command'), problems);
  const args = raw.args === undefined ? [] : parseArgs(raw.args, srcOf('.args'), problems, false);
  const env = raw.env === undefined ? {} : parseEnvMap(raw.env, srcOf('.env'), problems, false);
  const cwdKey = raw.working_directory !== undefined ? 'working_directory' : 'cwd';
  const cwd =
    raw[cwdKey] === undefined || raw[cwdKey] === null
      ? null
      : parseDir(raw[cwdKey], srcOf(`.${cwdKey}`), problems, true);
  const enabled = raw.enabled === undefined ? true : parseBool(raw.enabled, srcOf('.enabled'), problems);
  if (
    command === undefined ||
    args === undefined ||
    env === undefined ||
    cwd === undefined ||
    enabled === undefined
  )
    return undefined;
  return { name, command, args, env, cwd, enabled };
}

/**
 * The effective ACP settings from the environment and SUBAGENTS_CONFIG_FILE
 * (environment wins, key by key), with every problem named by its variable or key.
 */
export function resolveAcpSettings(env: NodeJS.ProcessEnv): { settings: AcpSettings; problems: string[] } {
  const problems: string[] = [];
  const configFile = envValue(env, ACP_ENV.configFile) ?? null;
  const file = configFile ? (readSubagentsFile(configFile, problems) ?? {}) : {};
  const fileAcp = (isPlainObject(file.acp) ? file.acp : {}) as Record<string, unknown>;

  /** The raw value of `subagents.acp.<key>`: environment first, then the file. */
  const pick = (key: string, envName: string | undefined) => {
    const fromEnv = envName ? envValue(env, envName) : undefined;
    if (fromEnv !== undefined)
      return { raw: fromEnv as unknown, src: envSource(envName!, `subagents.acp.${key}`), fromEnv: true };
    if (fileAcp[key] !== undefined && fileAcp[key] !== null)
      return { raw: fileAcp[key], src: fileSource(`subagents.acp.${key}`, configFile!), fromEnv: false };
    return undefined;
  };

  const enabledV = pick('enabled', ACP_ENV.enabled);
  const enabled = enabledV ? (parseBool(enabledV.raw, enabledV.src, problems) ?? false) : false;

  const modeV = pick('permission_mode', ACP_ENV.permissionMode);
  let permissionMode: PermissionMode = 'ask';
  if (modeV) {
    if ((PERMISSION_MODES as readonly unknown[]).includes(modeV.raw))
      permissionMode = modeV.raw as PermissionMode;
    else
      fail(
        problems,
        modeV.src,
        `must be one of ${PERMISSION_MODES.join(', ')} (got ${JSON.stringify(modeV.raw)})`,
      );
  }

  const numbers = {} as Record<keyof typeof NUMBERS, number>;
  for (const [key, spec] of Object.entries(NUMBERS) as [
    keyof typeof NUMBERS,
    (typeof NUMBERS)[keyof typeof NUMBERS],
  ][]) {
    const v = pick(key, spec.env);
    numbers[key] = v ? (parseInt(v.raw, v.src, spec.min, spec.max, problems) ?? spec.def) : spec.def;
  }

  // The plain command (an unnamed target) with its args, env and cwd.
  let command: AcpTarget | null = null;
  const commandV = pick('command', ACP_ENV.command);
  const argsV = pick('args', ACP_ENV.args);
  const envV = pick('env', ACP_ENV.env);
  if (fileAcp.cwd !== undefined && fileAcp.working_directory !== undefined)
    fail(problems, fileSource('subagents.acp.cwd', configFile!), 'give cwd or working_directory, not both');
  const cwdV = pick('cwd', ACP_ENV.cwd) ?? pick('working_directory', undefined);
  const args = argsV ? parseArgs(argsV.raw, argsV.src, problems, argsV.fromEnv) : [];
  const cmdEnv = envV ? parseEnvMap(envV.raw, envV.src, problems, envV.fromEnv) : {};
  const cwd = cwdV ? parseDir(cwdV.raw, cwdV.src, problems, true) : null;
  if (commandV) {
    const cmd = parseString(commandV.raw, commandV.src, problems);
    if (cmd !== undefined)
      command = {
        name: null,
        command: cmd,
        args: args ?? [],
        env: cmdEnv ?? {},
        cwd: cwd ?? null,
        enabled: true,
      };
  } else {
    for (const v of [argsV, envV, cwdV])
      if (v) fail(problems, v.src, 'is set but subagents.acp.command is not');
  }

  const targets: Record<string, AcpTarget> = {};
  const targetsV = pick('targets', ACP_ENV.targets);
  if (targetsV) {
    let raw = targetsV.raw;
    if (targetsV.fromEnv) {
      try {
        raw = JSON.parse(targetsV.raw as string);
      } catch {
        raw = undefined;
        fail(
          problems,
          targetsV.src,
          'must be a JSON object: {"<name>": {"command": "...", "args": [], "env": {}, "cwd": "/abs", "enabled": true}}',
        );
      }
    }
    if (raw !== undefined) {
      if (!isPlainObject(raw)) fail(problems, targetsV.src, 'must be an object of named targets');
      else
        for (const [name, def] of Object.entries(raw)) {
          const srcOf = (field: string): Source =>
            targetsV.fromEnv
              ? envSource(ACP_ENV.targets, `subagents.acp.targets.${name}${field}`)
              : fileSource(`subagents.acp.targets.${name}${field}`, configFile!);
          const target = parseTarget(name, def, srcOf, problems);
          if (target) targets[name] = target;
        }
    }
  }

  const defaultV = pick('default_target', ACP_ENV.defaultTarget);
  let defaultTarget: string | null = null;
  if (defaultV) {
    const name = parseString(defaultV.raw, defaultV.src, problems);
    if (name !== undefined) {
      const known = Object.keys(targets);
      if (!targets[name]) {
        fail(
          problems,
          defaultV.src,
          `names unknown target ${JSON.stringify(name)} (known targets: ${known.length ? known.join(', ') : 'none'})`,
        );
      } else if (!targets[name].enabled) {
        fail(
          problems,
          defaultV.src,
          `names target ${JSON.stringify(name)}, which is disabled (enabled: false)`,
        );
      } else defaultTarget = name;
    }
  }

  const wsV = envValue(env, ACP_ENV.workspacesDir)
    ? {
        raw: envValue(env, ACP_ENV.workspacesDir) as unknown,
        src: envSource(ACP_ENV.workspacesDir, 'subagents.workspaces_dir'),
      }
    : file.workspaces_dir !== undefined && file.workspaces_dir !== null
      ? { raw: file.workspaces_dir, src: fileSource('subagents.workspaces_dir', configFile!) }
      : undefined;
  const workspacesDir = wsV ? (parseDir(wsV.raw, wsV.src, problems, false) ?? null) : null;

  return {
    settings: {
      enabled,
      command,
      targets,
      defaultTarget,
      permissionMode,
      maxConcurrent: numbers.max_concurrent,
      runTimeoutSecs: numbers.run_timeout_secs,
      maxOutputBytes: numbers.max_output_bytes,
      terminalOutputBytes: numbers.terminal_output_bytes,
      maxFileBytes: numbers.max_file_bytes,
      approvalTimeoutSecs: numbers.approval_timeout_secs,
      workspacesDir,
      configFile,
    },
    problems,
  };
}

/** True when spawn with runtime "acp" can start something: enabled, and a command or an enabled target. */
export function acpAvailable(s: AcpSettings): boolean {
  return s.enabled && (s.command !== null || Object.values(s.targets).some((t) => t.enabled));
}
