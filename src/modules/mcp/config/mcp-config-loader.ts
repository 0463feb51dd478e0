import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  completeServer,
  KNOWN_SERVER_KEYS,
  McpServerSpec,
  partialServerSchema,
  PartialServerSpec,
  SERVER_NAME,
} from './mcp-server-spec';

/** A file (or a server in it) that could not be used; the rest of the configuration still loads. */
export interface McpConfigProblem {
  file: string;
  server?: string;
  error: string;
}

export interface McpConfigLoad {
  dir: string | undefined;
  files: string[];
  servers: McpServerSpec[];
  /** Files or servers skipped because they are invalid. */
  errors: McpConfigProblem[];
  /** Tolerated oddities (unknown keys), reported but not fatal. */
  warnings: McpConfigProblem[];
  defaultProtocolVersion?: string;
}

const MAX_FILE_BYTES = 1024 * 1024;

/** camelCase → snake_case (requestTimeoutSecs → request_timeout_secs); snake_case stays. */
export function snakeKey(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The files of a configuration directory in merge order: mcp.json, then mcp.d/*.json alphabetically. */
export function mcpFilesIn(dir: string | undefined): string[] {
  if (!dir) return [];
  const files: string[] = [];
  const base = join(dir, 'mcp.json');
  if (existsSync(base)) files.push(base);
  const fragments = join(dir, 'mcp.d');
  if (existsSync(fragments) && statSync(fragments).isDirectory()) {
    for (const f of readdirSync(fragments).sort()) {
      if (f.endsWith('.json') && statSync(join(fragments, f)).isFile()) files.push(join(fragments, f));
    }
  }
  return files;
}

interface FileServers {
  file: string;
  servers: Map<string, PartialServerSpec>;
}

/** One file: JSON, an object with `mcpServers` (or `mcp_servers`), each server's keys type-checked. All-or-nothing per file. */
export function parseMcpFile(
  file: string,
  text: string,
  warnings: McpConfigProblem[],
): FileServers & { protocol?: string } {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new Error('must be a JSON object with "mcpServers"');
  const top = doc as Record<string, unknown>;
  const raw = top.mcpServers ?? top.mcp_servers;
  const protocol = top.defaultProtocolVersion ?? top.default_protocol_version;
  for (const key of Object.keys(top)) {
    if (
      ![
        'mcpServers',
        'mcp_servers',
        'defaultProtocolVersion',
        'default_protocol_version',
        '$schema',
      ].includes(key)
    )
      warnings.push({ file, error: `unknown top-level key "${key}" ignored` });
  }
  if (raw === undefined) throw new Error('missing "mcpServers" object');
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('"mcpServers" must be an object of servers by name');
  const servers = new Map<string, PartialServerSpec>();
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!SERVER_NAME.test(name)) throw new Error(`server name "${name}" must be 1-64 of A-Z a-z 0-9 _ -`);
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new Error(`server '${name}' must be an object`);
    const normalized: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const k = snakeKey(key);
      if (!KNOWN_SERVER_KEYS.has(k)) {
        warnings.push({ file, server: name, error: `unknown key "${key}" ignored` });
        continue;
      }
      // Aliases from other MCP clients: url → endpoint, type → transport.
      normalized[k === 'url' ? 'endpoint' : k === 'type' ? 'transport' : k] = v;
    }
    const parsed = partialServerSchema.safeParse(normalized);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`server '${name}': ${issue.path.join('.') || 'value'}: ${issue.message}`);
    }
    servers.set(name, parsed.data);
  }
  return { file, servers, protocol: typeof protocol === 'string' ? protocol : undefined };
}

/**
 * Reads mcp.json and mcp.d/*.json and merges them by server name: a later file
 * overrides the keys it sets of an earlier file's server. An unreadable or
 * invalid file is reported and skipped as a whole; a server left incomplete
 * after merging is reported and skipped; everything else loads.
 */
export function loadMcpConfig(
  dir: string | undefined,
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): McpConfigLoad {
  const files = mcpFilesIn(dir);
  const errors: McpConfigProblem[] = [];
  const warnings: McpConfigProblem[] = [];
  const merged = new Map<string, { spec: PartialServerSpec; sources: string[] }>();
  let defaultProtocolVersion: string | undefined;
  for (const file of files) {
    const fileWarnings: McpConfigProblem[] = [];
    let parsed: ReturnType<typeof parseMcpFile>;
    try {
      parsed = parseMcpFile(file, read(file), fileWarnings);
    } catch (err) {
      errors.push({ file, error: (err as Error).message });
      continue;
    }
    warnings.push(...fileWarnings);
    defaultProtocolVersion = parsed.protocol ?? defaultProtocolVersion;
    for (const [name, spec] of parsed.servers) {
      const prev = merged.get(name);
      merged.set(
        name,
        prev
          ? { spec: { ...prev.spec, ...spec }, sources: [...prev.sources, file] }
          : { spec, sources: [file] },
      );
    }
  }
  const servers: McpServerSpec[] = [];
  for (const [name, { spec, sources }] of merged) {
    const done = completeServer(name, spec, sources);
    if (done.spec) servers.push(done.spec);
    else errors.push({ file: sources[sources.length - 1], server: name, error: done.problem! });
  }
  servers.sort((a, b) => a.name.localeCompare(b.name));
  return { dir, files, servers, errors, warnings, defaultProtocolVersion };
}
