import { INestApplicationContext } from '@nestjs/common';
import { Principal, systemPrincipal } from '../../common/context/principal';
import { RequestContext } from '../../common/context/request-context';
import { OrganizationsRepository } from '../../modules/auth/repositories/organizations.repository';

/**
 * Runs `fn` as an administrator of the organization with this slug (the CLI
 * has database access, so it is trusted like a platform administrator).
 * Audit rows name the actor `cli`.
 */
export async function asOrganizationAdmin<T>(
  app: INestApplicationContext,
  slug: string,
  fn: () => Promise<T>,
): Promise<T> {
  const org = await app.get(OrganizationsRepository, { strict: false }).findBySlug(slug);
  if (!org) throw new Error(`no organization with slug '${slug}' (see GET /api/orgs)`);
  const principal: Principal = { ...systemPrincipal(org.id), actor: 'cli', platformAdmin: org.platform };
  const ctx = RequestContext.current();
  return RequestContext.run({ requestId: ctx?.requestId ?? 'cli', transport: 'cli', principal }, fn);
}
