import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequestContext } from '../../../common/context/request-context';
import { Public } from '../../../common/guards/public.decorator';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { RateLimit } from '../../../common/rate-limit/rate-limit.decorator';
import { AuthErrors } from '../auth.errors';
import { ChangePasswordDto, LoginDto, LoginResponse } from '../dto/user.dto';
import { AuditService } from '../services/audit.service';
import { AuthStatusService } from '../services/auth-status.service';
import { BrowserSessionsService } from '../services/browser-sessions.service';
import { LoginService } from '../services/login.service';
import { RequestAuthenticator } from '../services/request-authenticator.service';

@ApiTags('auth')
@Controller('api/auth')
export class AuthSessionController {
  constructor(
    private readonly login: LoginService,
    private readonly sessions: BrowserSessionsService,
    private readonly authenticator: RequestAuthenticator,
    private readonly status: AuthStatusService,
    private readonly audit: AuditService,
  ) {}

  @Post('login')
  @Public()
  @RateLimit('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with email and password: sets the mc_session (HttpOnly) and mc_csrf cookies',
  })
  @ApiOkResponse({ type: LoginResponse })
  @ApiTooManyRequestsResponse({
    description: 'LOGIN_THROTTLED with Retry-After (RATE_LIMIT_LOGIN per client)',
  })
  async signIn(
    @Body() dto: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponse> {
    const { user, session } = await this.login.login(dto.email, dto.password, req);
    this.sessions.setCookies(req, res, session);
    res.setHeader('Cache-Control', 'no-store');
    return {
      ok: true,
      expires_at: session.expiresAt.toISOString(),
      csrf_token: session.csrfToken,
      user: { id: user.id, email: user.email, role: user.role },
    };
  }

  @Post('logout')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'End the browser session (needs x-csrf-token) and clear the cookies' })
  @ApiOkResponse({ schema: { example: { ok: true } } })
  async signOut(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<{ ok: boolean }> {
    const principal = RequestContext.principal();
    if (principal?.viaCookie && principal.credentialId) {
      if (!this.authenticator.csrfValid(req, principal)) throw AuthErrors.csrf();
      await this.sessions.end(principal.credentialId, principal.organizationId);
      await this.audit.record({
        action: 'auth.logout',
        target: principal.actor,
        details: { session_id: principal.credentialId },
      });
    }
    this.sessions.clearCookies(req, res);
    return { ok: true };
  }

  @Get('status')
  @Public()
  @ApiCookieAuth('cookie')
  @ApiOperation({
    summary:
      'Who am I: principal kind, organization, scopes and expiry ({authenticated:false} without credentials)',
  })
  @ApiOkResponse({ schema: { example: { authenticated: true, kind: 'api_key', scopes: ['operator.read'] } } })
  async whoAmI(@Req() req: Request): Promise<Record<string, unknown>> {
    // Credentials that were sent but do not work answer 401/423 here rather than "anonymous".
    const principal = RequestContext.principal() ?? (await this.authenticator.authenticate(req));
    return this.status.describe(principal);
  }

  @Post('password')
  @HttpCode(200)
  @RequireScopes('operator.read')
  @ApiCookieAuth('cookie')
  @ApiOperation({ summary: 'Change your password (browser session); your other sessions end' })
  @ApiOkResponse({ schema: { example: { ok: true, revoked_sessions: 2 } } })
  async changePassword(@Body() dto: ChangePasswordDto): Promise<{ ok: boolean; revoked_sessions: number }> {
    const result = await this.login.changePassword(dto.current_password, dto.new_password);
    return { ok: true, ...result };
  }
}
