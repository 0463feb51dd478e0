export const SCOPES = ['operator.read', 'operator.write', 'operator.approvals', 'operator.admin'] as const;
export type Scope = (typeof SCOPES)[number];

export type PrincipalKind = 'api_key' | 'user' | 'agent' | 'system';

/** An authenticated caller. Scopes are already expanded (admin ⇒ all, write ⇒ read). */
export interface Principal {
  kind: PrincipalKind;
  /** api key id, user id, agent id, or 'system'. */
  id: string;
  organizationId: string;
  scopes: ReadonlySet<Scope>;
  /** For audit: who acted, e.g. `api_key:ab12cd34` or `user:ops@example.com`. */
  actor: string;
  /** The user behind a key or browser session, when there is one. */
  userId?: string;
  /** True for admins of the platform organization (may manage organizations). */
  platformAdmin?: boolean;
  /** Browser-session principals need CSRF checks on mutating requests. */
  viaCookie?: boolean;
  /** Credential id (key id, browser session id, agent token id) for revocation. */
  credentialId?: string;
  /** When the credential stops working (browser session, expiring key or token). */
  expiresAt?: Date;
}

/** operator.admin implies every scope; operator.write implies operator.read. */
export function expandScopes(scopes: Iterable<string>): Set<Scope> {
  const out = new Set<Scope>();
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) continue;
    out.add(s as Scope);
    if (s === 'operator.admin') SCOPES.forEach((x) => out.add(x));
    if (s === 'operator.write') out.add('operator.read');
  }
  return out;
}

/** The system principal used by background jobs acting for one organization. */
export function systemPrincipal(organizationId: string): Principal {
  return {
    kind: 'system',
    id: 'system',
    organizationId,
    scopes: expandScopes(['operator.admin']),
    actor: 'system',
  };
}
