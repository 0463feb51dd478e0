import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { envBindingsOf } from '../../../config/env-var.decorator';
import { AppConfig } from '../../../config/app-config';
import { SecurityFinding } from './security-finding';

const SECRET_REF = 'secret:';
const SEALED = 'sealed:';
/** Names of keys and variables that usually hold a credential. */
const SECRET_NAME = /(^|[_.-])(api[_-]?key|apikey|token|secret|password|passwd|pwd|private[_-]?key|access[_-]?key|credentials?|auth|authorization|cookie|bearer)($|[_.-])/i;
/** Environment variable names ending like a credential. */
const ENV_SECRET_NAME = /(^|_)(API_?KEY|TOKEN|SECRET|SECRET_KEY|PASSWORD|PASSWD|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)$/i;
/** Values that are not literals: references, sealed values, ${ENV} interpolation, empty. */
const NOT_LITERAL = /^(secret:|sealed:|\$\{[^}]+\}$|\$[A-Z_][A-Z0-9_]*$)/;
/** Variables other tools set that are not credentials despite their name. */
const ENV_ALLOWLIST = new Set(['CLAWCONTROL_GATEWAY_TOKEN', 'OPENCLAW_GATEWAY_TOKEN', 'npm_config_cache', 'SSH_AUTH_SOCK']);

export type OrgNames = Map<string, string>;
const where = (orgs: OrgNames, orgId: string) => `org:${orgs.get(orgId) ?? orgId}`;

/** Runs a query against a table another module owns; undefined when that table or column does not exist (yet). */
async function optionalQuery<T>(ds: DataSource, sql: string): Promise<T[] | undefined> {
  try {
    return await ds.query(sql);
  } catch (err) {
    const code = (err as any)?.driverError?.code ?? (err as any)?.code;
    if (code === '42P01' || code === '42703') return undefined;
    throw err;
  }
}

function isLiteralSecret(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && !NOT_LITERAL.test(value.trim());
}

/** Existing secret names per organization, to flag references that point nowhere. */
export async function secretNamesByOrg(ds: DataSource): Promise<Map<string, Set<string>>> {
  const rows: { organization_id: string; name: string }[] = await ds.query(`SELECT organization_id, name FROM secrets`);
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!out.has(r.organization_id)) out.set(r.organization_id, new Set());
    out.get(r.organization_id)!.add(r.name);
  }
  return out;
}

function referenceFinding(
  kind: string,
  target: string,
  ref: string,
  names: Set<string> | undefined,
  organizationId: string,
): SecurityFinding | undefined {
  const name = ref.slice(SECRET_REF.length);
  if (names?.has(name)) return undefined;
  return {
    code: 'SECRET_REFERENCE_DANGLING',
    severity: 'medium',
    target,
    message: `${kind} references ${ref}, which does not exist in its organization: using it fails with SECRET_NOT_FOUND`,
    fix: `create it: PUT /api/secrets/${name} {"value": "..."}, or point the ${kind} at an existing secret`,
    organizationId,
  };
}

/** Agents whose provider API key is stored literally instead of as a reference or sealed value. */
export async function agentFindings(ds: DataSource, orgs: OrgNames, names: Map<string, Set<string>>): Promise<SecurityFinding[]> {
  const rows = await optionalQuery<{ organization_id: string; id: string; provider: Record<string, unknown> | null }>(
    ds,
    `SELECT organization_id, id, provider FROM agents`,
  );
  const out: SecurityFinding[] = [];
  for (const r of rows ?? []) {
    const key = r.provider?.apiKey ?? r.provider?.api_key;
    const target = `${where(orgs, r.organization_id)}/agent:${r.id}`;
    if (isLiteralSecret(key)) {
      out.push({
        code: 'PLAINTEXT_SECRET_IN_CONFIG',
        severity: 'high',
        target,
        message: `agent ${r.id} stores its provider API key in plain text in the agents table`,
        fix: `store the key in the vault (PUT /api/secrets/<name>) and set the agent's provider.api_key to "secret:<name>"`,
        organizationId: r.organization_id,
      });
    } else if (typeof key === 'string' && key.startsWith(SECRET_REF)) {
      const f = referenceFinding(`agent ${r.id}`, target, key, names.get(r.organization_id), r.organization_id);
      if (f) out.push(f);
    }
  }
  return out;
}

/** Webhooks whose HMAC secret is not sealed, or whose reference points nowhere. */
export async function webhookFindings(ds: DataSource, orgs: OrgNames, names: Map<string, Set<string>>): Promise<SecurityFinding[]> {
  const rows = await optionalQuery<{ organization_id: string; name: string; secret_sealed: string | null; secret_ref: string | null }>(
    ds,
    `SELECT organization_id, name, secret_sealed, secret_ref FROM webhooks`,
  );
  const out: SecurityFinding[] = [];
  for (const r of rows ?? []) {
    const target = `${where(orgs, r.organization_id)}/webhook:${r.name}`;
    if (r.secret_sealed && !r.secret_sealed.startsWith(SEALED)) {
      out.push({
        code: 'PLAINTEXT_SECRET_IN_CONFIG',
        severity: 'high',
        target,
        message: `webhook ${r.name} stores its signing secret unsealed`,
        fix: 'set the webhook secret again through PATCH /api/webhooks/:id (it is sealed on write), then rotate it at the sender',
        organizationId: r.organization_id,
      });
    }
    if (r.secret_ref?.startsWith(SECRET_REF)) {
      const f = referenceFinding(`webhook ${r.name}`, target, r.secret_ref, names.get(r.organization_id), r.organization_id);
      if (f) out.push(f);
    }
  }
  return out;
}

/** The MCP config files (<DATA_DIR>/mcp.json and mcp.d/*.json) that exist. */
export function mcpConfigFiles(dataDir: string | undefined): string[] {
  if (!dataDir || dataDir === 'memory://') return [];
  const dir = resolve(dataDir);
  const files = [join(dir, 'mcp.json')].filter((f) => existsSync(f));
  const fragments = join(dir, 'mcp.d');
  if (existsSync(fragments)) {
    for (const f of readdirSync(fragments).sort()) if (f.endsWith('.json')) files.push(join(fragments, f));
  }
  return files;
}

/** Literal tokens in MCP server env/headers (or credentials in URLs) of MCP config files. */
export function mcpFileFindings(files: string[]): SecurityFinding[] {
  const out: SecurityFinding[] = [];
  for (const file of files) {
    let doc: any;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      out.push({
        code: 'MCP_CONFIG_UNREADABLE',
        severity: 'low',
        target: `file:${file}`,
        message: `cannot parse ${file}: ${(err as Error).message.slice(0, 120)}`,
        fix: 'fix the JSON so it can be checked',
      });
      continue;
    }
    const servers: Record<string, any> = doc?.mcpServers ?? doc?.mcp_servers ?? doc?.servers ?? {};
    for (const [server, cfg] of Object.entries(servers ?? {})) {
      if (!cfg || typeof cfg !== 'object') continue;
      for (const section of ['env', 'headers'] as const) {
        for (const [key, value] of Object.entries((cfg as any)[section] ?? {})) {
          if ((SECRET_NAME.test(key) || /^bearer\s/i.test(String(value))) && isLiteralSecret(value)) {
            out.push({
              code: 'PLAINTEXT_SECRET_IN_CONFIG',
              severity: 'high',
              target: `file:${file}#${server}.${section}.${key}`,
              message: `MCP server ${server} has a literal credential in ${section}.${key}`,
              fix: `store it in the vault (PUT /api/secrets/<name>) and write "secret:<name>" in ${section}.${key}`,
            });
          }
        }
      }
      const url = (cfg as any).url;
      if (typeof url === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(url)) {
        out.push({
          code: 'PLAINTEXT_SECRET_IN_CONFIG',
          severity: 'high',
          target: `file:${file}#${server}.url`,
          message: `MCP server ${server} has credentials embedded in its URL`,
          fix: 'move the credential into a header whose value is "secret:<name>"',
        });
      }
    }
  }
  return out;
}

/** Environment variables named like credentials that no part of Clawcontrol reads. */
export function environmentFindings(config: AppConfig): SecurityFinding[] {
  const known = new Set(config.classes().flatMap((cls) => envBindingsOf(cls).map((b) => b.name)));
  const out: SecurityFinding[] = [];
  for (const [name, value] of Object.entries(config.env)) {
    if (!value || known.has(name) || ENV_ALLOWLIST.has(name) || name.startsWith('npm_')) continue;
    if (!ENV_SECRET_NAME.test(name) || value.length < 8 || !isLiteralSecret(value)) continue;
    out.push({
      code: 'UNREFERENCED_SECRET_IN_ENV',
      severity: 'medium',
      target: `env:${name}`,
      message: `${name} looks like a credential in the environment, but Clawcontrol does not use it (agents and tools may inherit it)`,
      fix: `store it in the vault (PUT /api/secrets/${name}), reference it as "secret:${name}", and remove it from the environment`,
    });
  }
  return out;
}
