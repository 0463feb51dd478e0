import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Principal, Scope } from '../../common/context/principal';
import { RequestContext } from '../../common/context/request-context';
import { AppException } from '../../common/errors/app-exception';
import { IS_PUBLIC_KEY, PUBLIC_IDENTIFY_KEY } from '../../common/guards/public.decorator';
import { PRINCIPAL_KINDS_KEY, REQUIRED_SCOPES_KEY } from '../../common/guards/scopes.decorator';
import { AuthErrors } from './auth.errors';
import { AuditService } from './services/audit.service';
import { ForwardedHeadersObserver } from './services/forwarded-headers.observer';
import { RequestAuthenticator } from './services/request-authenticator.service';
import { LockdownService } from './services/lockdown.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scopes a route needs: declared with @RequireScopes, else read for safe methods and write otherwise. */
export function requiredScopesFor(declared: Scope[] | undefined, method: string): Scope[] {
  if (declared && declared.length) return declared;
  return SAFE_METHODS.has(method) ? ['operator.read'] : ['operator.write'];
}

/**
 * The one global guard: resolves the principal (API key, browser session with
 * CSRF, agent token), then enforces organization lock, lockdown, principal
 * kind and scopes. Routes opt out only with @Public().
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
    private readonly lockdown: LockdownService,
    private readonly audit: AuditService,
    private readonly forwarded: ForwardedHeadersObserver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<Request>();
    this.forwarded.observe(req);
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets);

    if (isPublic) {
      if (this.reflector.getAllAndOverride<boolean>(PUBLIC_IDENTIFY_KEY, targets) === false) return true;
      // Public routes still learn who is calling when valid credentials are sent.
      const principal = await this.authenticator.authenticate(req).catch(() => undefined);
      if (principal) RequestContext.setPrincipal(principal);
      return true;
    }

    let principal: Principal | undefined;
    try {
      principal = await this.authenticator.authenticate(req);
    } catch (err) {
      await this.deny(req, 'authentication_failed', err);
      throw err;
    }
    if (!principal) {
      const err = this.authenticator.fail('missing_credentials', AuthErrors.missingCredentials());
      await this.deny(req, 'authentication_missing', err);
      throw err;
    }
    RequestContext.setPrincipal(principal);

    const kinds = this.reflector.getAllAndOverride<string[]>(PRINCIPAL_KINDS_KEY, targets);
    if (kinds && !kinds.includes(principal.kind)) return this.refuse(req, AuthErrors.agentRouteOnly());
    if (!kinds && principal.kind === 'agent') return this.refuse(req, AuthErrors.notForAgents());
    const agentRoute = !!kinds && principal.kind === 'agent'; // the route's principal kind is its authorization

    if (
      principal.viaCookie &&
      !SAFE_METHODS.has(req.method) &&
      !this.authenticator.csrfValid(req, principal)
    ) {
      return this.refuse(req, AuthErrors.csrf());
    }

    const required = requiredScopesFor(
      this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES_KEY, targets),
      req.method,
    );
    if (!agentRoute && !required.some((s) => principal!.scopes.has(s)))
      return this.refuse(req, AuthErrors.missingScope(required));

    if (
      !SAFE_METHODS.has(req.method) &&
      !required.includes('operator.admin') &&
      (await this.lockdown.isActive())
    ) {
      throw AuthErrors.lockdown();
    }
    return true;
  }

  private async refuse(req: Request, error: AppException): Promise<never> {
    this.authenticator.fail(error.code.toLowerCase(), error);
    await this.deny(req, 'access_denied', error);
    throw error;
  }

  private async deny(req: Request, action: string, err: unknown): Promise<void> {
    const code = err instanceof AppException ? err.code : 'ERROR';
    await this.audit.record({
      action: `auth.${action}`,
      target: `${req.method} ${req.route?.path ?? req.path}`,
      outcome: 'denied',
      details: { code },
    });
  }
}
