import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { Principal, systemPrincipal } from '../../src/common/context/principal';
import { RequestContext } from '../../src/common/context/request-context';
import { OrganizationsRepository } from '../../src/modules/auth/repositories/organizations.repository';
import { ApiKeysService } from '../../src/modules/auth/services/api-keys.service';
import { findPgBinDir, startPrivatePostgres } from './private-postgres';
import { createScratchDatabase } from './test-db';

/** Master keys of the vault tests (64 hex = 32 bytes). */
export const KEY_1 = '1111111111111111111111111111111111111111111111111111111111111111';
export const KEY_2 = '2222222222222222222222222222222222222222222222222222222222222222';
export const KEY_3 = Buffer.alloc(32, 3).toString('base64');

/** Runs `fn` in a request context of `organizationId` (system principal unless another is given). */
export function inOrg<T>(organizationId: string, fn: () => Promise<T>, principal?: Partial<Principal>): Promise<T> {
  return RequestContext.run(
    { requestId: randomUUID(), transport: 'system', principal: { ...systemPrincipal(organizationId), ...principal } },
    fn,
  );
}

/** A new organization with an operator.admin API key in it (not a platform admin). */
export async function createOrgWithKey(
  app: INestApplicationContext,
  slug: string,
  scopes: string[] = ['operator.admin'],
): Promise<{ orgId: string; key: string; auth: { Authorization: string } }> {
  const orgs = app.get(OrganizationsRepository, { strict: false });
  const org = (await orgs.findBySlug(slug)) ?? (await orgs.create({ slug, name: slug }));
  const created = await inOrg(org.id, () => app.get(ApiKeysService, { strict: false }).create({ label: `${slug}-key`, scopes }));
  return { orgId: org.id, key: created.api_key, auth: { Authorization: `Bearer ${created.api_key}` } };
}

/**
 * A PostgreSQL database several app instances can share at once (the embedded
 * database serves one connection): a scratch database on TEST_DATABASE_URL, else
 * a private server when PostgreSQL is installed; undefined when neither exists.
 */
export async function sharedPostgres(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const scratch = await createScratchDatabase();
  if (scratch) return scratch;
  if (!findPgBinDir()) return undefined;
  const pg = await startPrivatePostgres();
  return { url: pg.url, drop: () => pg.destroy() };
}
