import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Errors } from '../errors/app-exception';
import { RATE_LIMIT_KEY, RateLimitName } from './rate-limit.decorator';
import { RateLimiterService } from './rate-limiter.service';

/** Applies each route's named limit per client IP (the 'default' window when unnamed). */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiterService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const name =
      this.reflector.getAllAndOverride<RateLimitName>(RATE_LIMIT_KEY, [context.getHandler(), context.getClass()]) ??
      'default';
    if (name === 'none' || name === 'login') return true; // login counts attempts in the auth service
    const req = context.switchToHttp().getRequest<Request>();
    const decision = await this.limiter.consume(name, req.clientIp ?? 'unknown');
    if (!decision.allowed) throw Errors.tooManyRequests(decision.retryAfterSecs);
    return true;
  }
}
