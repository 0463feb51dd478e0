import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { McpConfig } from '../mcp.config';

const secs = z.number().positive().max(86_400);
const hostList = z.array(z.string().min(1).max(253));

const feedSource = z
  .object({
    enabled: z.boolean().default(true),
    mode: z.enum(['allowlist', 'denylist']),
    url: z.string().url(),
    format: z.enum(['lines', 'csv_first_column']).default('lines'),
    refresh_interval_secs: z
      .number()
      .min(10)
      .max(7 * 86_400)
      .default(3600),
    timeout_secs: secs.default(10),
  })
  .strict();

const feedSync = z
  .object({
    enabled: z.boolean().default(false),
    fail_open: z.boolean().default(true),
    max_entries_per_source: z.number().int().min(1).max(1_000_000).default(10_000),
    sources: z.array(feedSource).default([]),
  })
  .strict();

const urlValidation = z
  .object({
    enabled: z.boolean().default(true),
    allowed_schemes: z
      .array(z.enum(['http', 'https']))
      .min(1)
      .default(['https', 'http']),
    allowlist_hosts: hostList.default([]),
    denylist_hosts: hostList.default(['localhost', '127.0.0.1', '169.254.169.254']),
    /** Test and lab escape: host names (as written in the URL) allowed to resolve to private addresses. Never in production. */
    allow_private_hosts: hostList.default([]),
    feed_sync: feedSync.default(() => feedSync.parse({})),
  })
  .strict();

const contentValidation = z
  .object({
    enabled: z.boolean().default(true),
    strict_mode: z.boolean().default(true),
    max_scan_bytes: z.number().int().min(1).max(100_000_000).default(100_000),
  })
  .strict();

const webFetch = z
  .object({
    max_response_bytes: z.number().int().min(1024).max(100_000_000).default(2_000_000),
    max_redirects: z.number().int().min(0).max(20).default(5),
    user_agent: z.string().min(1).max(200).default('clawcontrol-web-fetch/1.0'),
  })
  .strict();

export const toolsFileSchema = z
  .object({
    default_tool_timeout_secs: secs.optional(),
    tool_timeout_overrides: z.record(z.string().min(1), secs).optional(),
    default_mcp_request_timeout_secs: secs.optional(),
    web_fetch_validation: contentValidation.default(() => contentValidation.parse({})),
    web_fetch_url_validation: urlValidation.default(() => urlValidation.parse({})),
    web_fetch: webFetch.default(() => webFetch.parse({})),
  })
  .strict();

export type ToolsFile = z.infer<typeof toolsFileSchema>;
export type UrlValidationSettings = ToolsFile['web_fetch_url_validation'];
export type ContentValidationSettings = ToolsFile['web_fetch_validation'];
export type FeedSyncSettings = UrlValidationSettings['feed_sync'];
export type FeedSource = FeedSyncSettings['sources'][number];
export type WebFetchSettings = ToolsFile['web_fetch'];

/** Everything the tools need, after file + environment. */
export interface ToolsSettings {
  defaultToolTimeoutSecs: number;
  toolTimeoutOverrides: Record<string, number>;
  defaultMcpRequestTimeoutSecs: number;
  webFetchValidation: ContentValidationSettings;
  webFetchUrlValidation: UrlValidationSettings;
  webFetch: WebFetchSettings;
  /** The file read, if any. */
  source?: string;
}

export const BUILT_IN_DEFAULTS = { defaultToolTimeoutSecs: 30, defaultMcpRequestTimeoutSecs: 120 };

export class ToolsConfigError extends Error {}

/** `{"web_fetch": 20}` or `web_fetch=20,mcp.github.search=60`. */
export function parseTimeoutOverrides(raw: string): Record<string, number> {
  const text = raw.trim();
  const out: Record<string, number> = {};
  if (text.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new ToolsConfigError(`TOOL_TIMEOUT_OVERRIDES: invalid JSON (${(err as Error).message})`);
    }
    const parsed = z.record(z.string().min(1), secs).safeParse(doc);
    if (!parsed.success)
      throw new ToolsConfigError('TOOL_TIMEOUT_OVERRIDES: values must be positive numbers of seconds');
    return parsed.data;
  }
  for (const pair of text.split(',')) {
    const [name, value] = pair.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!name || !Number.isFinite(n) || n <= 0)
      throw new ToolsConfigError(`TOOL_TIMEOUT_OVERRIDES: "${pair}" is not name=seconds`);
    out[name] = n;
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.');
  return `${path || '(top level)'}: ${issue.message}`;
}

/** Parses a tools file (YAML or JSON by extension; YAML also reads JSON). */
export function parseToolsFile(file: string, text: string): ToolsFile {
  let doc: unknown;
  try {
    doc = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ToolsConfigError(`${file}: cannot parse: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = toolsFileSchema.safeParse(doc ?? {});
  if (!parsed.success)
    throw new ToolsConfigError(`${file}: ${parsed.error.issues.slice(0, 5).map(describe).join('; ')}`);
  return parsed.data;
}

/**
 * The tools settings: TOOLS_CONFIG_FILE (if set), then the environment on top
 * (DEFAULT_TOOL_TIMEOUT_SECS, TOOL_TIMEOUT_OVERRIDES merged by tool,
 * DEFAULT_MCP_REQUEST_TIMEOUT_SECS), then built-in defaults. Throws
 * ToolsConfigError naming the file or variable when something is invalid.
 */
export function loadToolsSettings(
  config: McpConfig,
  read: (f: string) => string = (f) => readFileSync(f, 'utf8'),
): ToolsSettings {
  let file: ToolsFile = toolsFileSchema.parse({});
  if (config.toolsConfigFile) {
    let text: string;
    try {
      text = read(config.toolsConfigFile);
    } catch (err) {
      throw new ToolsConfigError(
        `TOOLS_CONFIG_FILE ${config.toolsConfigFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    file = parseToolsFile(config.toolsConfigFile, text);
  }
  const envOverrides = config.toolTimeoutOverrides ? parseTimeoutOverrides(config.toolTimeoutOverrides) : {};
  return {
    defaultToolTimeoutSecs:
      config.defaultToolTimeoutSecs ??
      file.default_tool_timeout_secs ??
      BUILT_IN_DEFAULTS.defaultToolTimeoutSecs,
    toolTimeoutOverrides: { ...(file.tool_timeout_overrides ?? {}), ...envOverrides },
    defaultMcpRequestTimeoutSecs:
      config.defaultMcpRequestTimeoutSecs ??
      file.default_mcp_request_timeout_secs ??
      BUILT_IN_DEFAULTS.defaultMcpRequestTimeoutSecs,
    webFetchValidation: file.web_fetch_validation,
    webFetchUrlValidation: file.web_fetch_url_validation,
    webFetch: file.web_fetch,
    source: config.toolsConfigFile,
  };
}
