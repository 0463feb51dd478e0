import { Injectable } from '@nestjs/common';
import { canonicalJson } from '../../auth/services/audit.service';
import { sha256Hex } from '../../../common/crypto';
import { RequestContext } from '../../../common/context/request-context';
import { scrubUrl } from '../../../common/logging/logging';
import { AppConfig } from '../../../config/app-config';
import { ConnectionRegistry } from '../connection/connection-registry';
import { GatewayHealthService } from '../gateway-health.service';
import { MethodDefinition, MethodProvider } from './method-definition';

/** health, system-presence, config.get, node.list, and the event subscription of the socket. */
@Injectable()
export class SystemMethods implements MethodProvider {
  constructor(
    private readonly health: GatewayHealthService,
    private readonly registry: ConnectionRegistry,
    private readonly config: AppConfig,
  ) {}

  methods(): MethodDefinition[] {
    return [
      {
        name: 'health',
        scope: 'operator.read',
        handler: (p) => this.health.snapshot(p.optionalBoolean('probe') ?? false),
      },
      {
        name: 'system-presence',
        aliases: ['system_presence'],
        scope: 'operator.read',
        handler: () => this.registry.presence(RequestContext.organizationId()),
      },
      {
        name: 'config.get',
        aliases: ['config_get'],
        scope: 'operator.read',
        handler: () => effectiveConfig(this.config),
      },
      {
        name: 'node.list',
        aliases: ['node_list'],
        scope: 'operator.read',
        handler: () => ({ ts: Date.now(), nodes: [] }),
      },
      {
        name: 'sessions.subscribe',
        aliases: ['sessions_subscribe'],
        scope: 'operator.read',
        handler: (_p, ctx) => {
          ctx.connection.subscribed = true;
          return { ok: true, subscribed: true };
        },
      },
      {
        name: 'sessions.unsubscribe',
        aliases: ['sessions_unsubscribe'],
        scope: 'operator.read',
        handler: (_p, ctx) => {
          ctx.connection.subscribed = false;
          return { ok: true, subscribed: false };
        },
      },
    ];
  }
}

/** The effective configuration, secrets redacted (and credentials stripped from any URL), with its hash. */
export function effectiveConfig(config: AppConfig): { config: Record<string, unknown>; hash: string; valid: true } {
  const redacted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config.redacted())) {
    redacted[name] = typeof value === 'string' ? scrubUrl(value) : value;
  }
  return { config: redacted, hash: sha256Hex(canonicalJson(redacted)), valid: true };
}
