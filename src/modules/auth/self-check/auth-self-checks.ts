import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { DatabaseConfig } from '../../../config/database.config';
import { RateLimitConfig } from '../../../config/rate-limit.config';
import { RedisConfig } from '../../../config/redis.config';
import { ServerConfig } from '../../../config/server.config';
import { AuthConfig } from '../auth.config';
import { passwordProblems } from '../passwords';
import { ApiKeysRepository } from '../repositories/api-keys.repository';
import { ForwardedHeadersObserver } from '../services/forwarded-headers.observer';
import { SelfCheckService, SelfCheckWarning } from './self-check.service';

const PLACEHOLDER = /change.?me|secret|password|example|default|test|dummy|xxxx|1234/i;

/** A secret that is long enough but obviously not random (placeholder words, few distinct characters). */
export function looksWeak(secret: string): boolean {
  return new Set(secret).size < 12 || PLACEHOLDER.test(secret);
}

/** The deployment checks this module owns: secrets, cookies, proxies, rate limits, migrations. */
@Injectable()
export class AuthSelfChecks implements OnModuleInit {
  constructor(
    private readonly selfCheck: SelfCheckService,
    private readonly appConfig: AppConfig,
    private readonly auth: AuthConfig,
    private readonly server: ServerConfig,
    private readonly rateLimit: RateLimitConfig,
    private readonly redis: RedisConfig,
    private readonly db: DatabaseConfig,
    private readonly apiKeys: ApiKeysRepository,
    private readonly forwarded: ForwardedHeadersObserver,
  ) {}

  onModuleInit(): void {
    this.selfCheck.register({ name: 'auth.secrets', run: () => this.secrets() });
    this.selfCheck.register({ name: 'auth.bootstrap_key', run: () => this.bootstrapKey() });
    this.selfCheck.register({ name: 'http.cookies_and_proxies', run: () => this.cookiesAndProxies() });
    this.selfCheck.register({ name: 'rate_limits', run: () => this.rateLimits() });
    this.selfCheck.register({ name: 'deployment', run: () => this.deployment() });
  }

  private get production(): boolean {
    return this.server.nodeEnv === 'production';
  }

  secrets(): SelfCheckWarning[] {
    const out: SelfCheckWarning[] = [];
    if (!this.auth.sessionSecret) {
      out.push({
        code: 'SESSION_SECRET_UNSET',
        severity: this.production ? 'high' : 'medium',
        message:
          'SESSION_SECRET is not set: this process signs sessions and agent tokens with a random secret, so they die on restart and do not work on other replicas',
        fix: 'set SESSION_SECRET to 32+ random characters (openssl rand -hex 32), the same on every replica',
      });
    } else if (looksWeak(this.auth.sessionSecret)) {
      out.push({
        code: 'SESSION_SECRET_WEAK',
        severity: 'high',
        message: 'SESSION_SECRET looks like a placeholder or has little variety',
        fix: 'replace it with openssl rand -hex 32 (everyone is signed out once; see docs/security.md)',
      });
    }
    if (this.auth.adminPassword && passwordProblems(this.auth.adminPassword, this.auth.adminEmail).length) {
      out.push({
        code: 'ADMIN_PASSWORD_WEAK',
        severity: 'high',
        message: `ADMIN_PASSWORD ${passwordProblems(this.auth.adminPassword, this.auth.adminEmail).join('; ')}`,
        fix: 'sign in and change the password (POST /api/auth/password), then remove ADMIN_PASSWORD from the environment',
      });
    } else if (this.auth.adminPassword) {
      out.push({
        code: 'ADMIN_PASSWORD_IN_ENV',
        severity: 'low',
        message: 'ADMIN_PASSWORD is still in the environment after the admin user exists',
        fix: 'remove ADMIN_EMAIL/ADMIN_PASSWORD once the admin has signed in and changed the password',
      });
    }
    if (this.auth.adminApiKey && looksWeak(this.auth.adminApiKey)) {
      out.push({
        code: 'ADMIN_API_KEY_WEAK',
        severity: 'high',
        message: 'ADMIN_API_KEY looks like a placeholder or has little variety',
        fix: 'create a random admin key (POST /api/auth/api_keys), revoke the bootstrap key and remove ADMIN_API_KEY',
      });
    }
    if (!this.appConfig.env.ENCRYPTION_KEY) {
      out.push({
        code: 'ENCRYPTION_KEY_MISSING',
        severity: this.production ? 'high' : 'medium',
        message: 'ENCRYPTION_KEY is not set: stored secrets cannot be encrypted at rest',
        fix: 'set ENCRYPTION_KEY to 64 hex characters (openssl rand -hex 32) and keep a copy outside the cluster',
      });
    }
    return out;
  }

  async bootstrapKey(): Promise<SelfCheckWarning[]> {
    if ((await this.apiKeys.countActiveBootstrapKeys()) === 0) return [];
    return [
      {
        code: 'ADMIN_API_KEY_ACTIVE',
        severity: 'medium',
        message: 'the ADMIN_API_KEY bootstrap key is still active',
        fix: 'create a named operator.admin key (POST /api/auth/api_keys), revoke the bootstrap key (DELETE /api/auth/api_keys/:id) and remove ADMIN_API_KEY from the environment',
      },
    ];
  }

  cookiesAndProxies(): SelfCheckWarning[] {
    const out: SelfCheckWarning[] = [];
    if (this.server.corsOrigins.includes('*')) {
      out.push({
        code: 'CORS_WILDCARD',
        severity: 'high',
        message: 'CORS_ORIGINS allows every origin with credentials',
        fix: 'list the exact browser origins in CORS_ORIGINS',
      });
    }
    const insecureOrigins = this.server.corsOrigins.filter(
      (o) => /^http:\/\//i.test(o) && !/^http:\/\/(localhost|127\.0\.0\.1)(:|$)/i.test(o),
    );
    if (this.production && insecureOrigins.length) {
      out.push({
        code: 'CORS_INSECURE_ORIGIN',
        severity: 'low',
        message: `CORS_ORIGINS allows plain-http origins: ${insecureOrigins.join(', ')}`,
        fix: 'serve the UI over https and list https origins',
      });
    }
    const httpsBase = /^https:/i.test(this.server.publicBaseUrl ?? '');
    if (
      this.auth.cookieSecure === 'false' &&
      (this.production || httpsBase || this.server.trustedProxies.length)
    ) {
      out.push({
        code: 'COOKIE_INSECURE',
        severity: 'high',
        message:
          'COOKIE_SECURE=false: session cookies are sent over plain HTTP' +
          (httpsBase ? ' although PUBLIC_BASE_URL is https' : ''),
        fix: 'set COOKIE_SECURE=auto (or true) and terminate TLS at the proxy',
      });
    }
    if (
      this.production &&
      this.auth.cookieSecure === 'auto' &&
      !httpsBase &&
      !this.server.trustedProxies.length
    ) {
      out.push({
        code: 'COOKIE_SECURE_UNDETERMINED',
        severity: 'low',
        message:
          'behind a TLS-terminating proxy the service cannot tell that requests were https, so session cookies may lack Secure',
        fix: 'set PUBLIC_BASE_URL=https://… or TRUSTED_PROXIES (X-Forwarded-Proto), or COOKIE_SECURE=true',
      });
    }
    const seen = this.forwarded.untrustedForwarding();
    if (seen) {
      const none = this.server.trustedProxies.length === 0;
      out.push({
        code: none ? 'TRUSTED_PROXIES_UNSET' : 'FORWARDED_FROM_UNTRUSTED_PEER',
        severity: none ? 'medium' : 'low',
        message: `${seen.count} request(s) carried X-Forwarded-For/Forwarded from ${seen.lastPeer}, which is not a trusted proxy: the header was ignored, so all clients behind it share one rate-limit bucket and one audit IP`,
        fix: `add the proxy address to TRUSTED_PROXIES (e.g. TRUSTED_PROXIES=${seen.lastPeer}) or stop clients from sending the header`,
      });
    }
    return out;
  }

  rateLimits(): SelfCheckWarning[] {
    const out: SelfCheckWarning[] = [];
    if (!this.rateLimit.enabled) {
      out.push({
        code: 'RATE_LIMIT_DISABLED',
        severity: 'high',
        message: 'RATE_LIMIT_ENABLED=false: login, agent authentication and webhook ingest are not throttled',
        fix: 'remove RATE_LIMIT_ENABLED=false (it is meant for benchmarks only)',
      });
    }
    if (this.rateLimit.backend === 'memory' && this.redis.url) {
      out.push({
        code: 'RATE_LIMIT_MEMORY_WITH_REDIS',
        severity: 'medium',
        message:
          'rate limits are counted per process although REDIS_URL is set: with several replicas each allows the full limit',
        fix: 'set RATE_LIMIT_BACKEND=redis',
      });
    } else if (this.rateLimit.backend === 'memory' && this.appConfig.env.KUBERNETES_SERVICE_HOST) {
      out.push({
        code: 'RATE_LIMIT_MEMORY_BACKEND',
        severity: 'low',
        message: 'rate limits are counted per process: with more than one replica each allows the full limit',
        fix: 'with several replicas set REDIS_URL and RATE_LIMIT_BACKEND=redis, or limit at the ingress',
      });
    }
    return out;
  }

  deployment(): SelfCheckWarning[] {
    const out: SelfCheckWarning[] = [];
    if (!this.production) {
      out.push({
        code: 'NODE_ENV_NOT_PRODUCTION',
        severity: 'low',
        message: `NODE_ENV=${this.server.nodeEnv}`,
        fix: 'set NODE_ENV=production for real deployments',
      });
    }
    if (this.production && this.db.autoMigrate) {
      out.push({
        code: 'DB_AUTO_MIGRATE_IN_PRODUCTION',
        severity: 'low',
        message:
          'migrations run at every boot (safe under the advisory lock, but schema changes then ride on rollouts)',
        fix: 'run `clawcontrol migrate` as a Kubernetes Job before the rollout and set DB_AUTO_MIGRATE=false',
      });
    }
    return out;
  }
}
