import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC_KEY } from '../../src/common/guards/public.decorator';
import { PRINCIPAL_KINDS_KEY, REQUIRED_SCOPES_KEY } from '../../src/common/guards/scopes.decorator';
import { buildOpenApiDocument } from '../../src/common/http/swagger';

/** One REST route as the guard sees it. */
export interface RouteDoc {
  method: string;
  path: string;
  access: string;
  tag: string;
  summary: string;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function joinPath(...parts: (string | undefined)[]): string {
  const path = parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter(Boolean)
    .map((seg) => (seg.startsWith(':') ? `{${seg.slice(1)}}` : seg))
    .join('/');
  return `/${path}`;
}

/**
 * Every route of the running app with the access the global guard enforces (from the same
 * metadata: @Public, @AgentOnly, @RequireScopes, else read for GET and write otherwise),
 * and its OpenAPI tag and summary.
 */
export function collectRoutes(app: INestApplication): RouteDoc[] {
  const openapi = buildOpenApiDocument(app);
  const routes: RouteDoc[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as any;
      if (!cls?.prototype) continue;
      const base = Reflect.getMetadata(PATH_METADATA, cls) as string | string[] | undefined;
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const handler = cls.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const methodCode = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (sub === undefined || methodCode === undefined) continue;
        const method = RequestMethod[methodCode];
        const meta = <T>(key: string): T | undefined => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, cls);
        let access: string;
        if (meta<boolean>(IS_PUBLIC_KEY)) access = 'public';
        else if (meta<string[]>(PRINCIPAL_KINDS_KEY)?.includes('agent')) access = 'agent token';
        else access = (meta<string[]>(REQUIRED_SCOPES_KEY) ?? [SAFE.has(method) ? 'operator.read' : 'operator.write']).join(' or ');
        for (const b of [base].flat()) {
          for (const s of [sub].flat()) {
            const path = joinPath(b, s);
            const op = (openapi.paths[path] as any)?.[method.toLowerCase()];
            routes.push({ method, path, access, tag: op?.tags?.[0] ?? 'other', summary: (op?.summary ?? '').replace(/\s+/g, ' ').trim() });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => a.tag.localeCompare(b.tag) || a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** docs/api.md: the route list grouped by OpenAPI tag. */
export function renderApiDoc(routes: RouteDoc[]): string {
  const out = [
    '# API overview',
    '',
    'Every REST route of Clawcontrol, grouped by area, with the access the global guard enforces.',
    'Generated from the running application (controllers, guard metadata and the OpenAPI summaries) by',
    '`npm run docs:api`; `test/ops-api-docs.e2e-spec.ts` fails when this file is out of date.',
    '',
    '- Authenticate with `Authorization: Bearer <api key>`, the `mc_session` cookie (+ `x-csrf-token` on writes), or',
    '  `X-Agent-Token` for agent processes. Scopes: `operator.read` < `operator.write`; `operator.approvals`;',
    '  `operator.admin` implies all. "public" routes authenticate otherwise (health probes, HMAC-signed webhook ingest, login).',
    '- Bodies, query parameters and responses are snake_case; request bodies are strict (unknown fields → 400).',
    '- Errors are `application/problem+json` with a stable `code`; lists are `{items, total, limit, offset}`.',
    '- The live, complete schema: `GET /docs` (Swagger UI) and `GET /docs-json` (OpenAPI 3).',
    '- The WebSocket bridge (OpenClaw gateway protocol) is served on `/` of the same port: see docs/gateway.md.',
    '',
  ];
  const tags = [...new Set(routes.map((r) => r.tag))];
  for (const tag of tags) {
    out.push(`## ${tag}`, '', '| method | path | access | what |', '| --- | --- | --- | --- |');
    for (const r of routes.filter((x) => x.tag === tag)) {
      out.push(`| ${r.method} | \`${r.path}\` | ${r.access} | ${r.summary.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
