import { Scope } from '../../../common/context/principal';
import { GatewayConnection, RunStartScope } from '../connection/gateway-connection';
import { Params } from '../protocol/params';

/** What a method handler may use besides its params. */
export interface MethodContext {
  connection: GatewayConnection;
  requestId: string;
  /** Wraps a service call that starts runs, so their events reach this socket after the response. */
  startRuns<T>(start: () => Promise<T>, runIdsOf: (result: T) => (string | undefined)[]): Promise<T>;
  runScope: RunStartScope;
}

export interface MethodDefinition {
  /** Canonical wire name, e.g. `sessions.send`. */
  name: string;
  /** Other accepted names (MicroClaw-era underscore forms). */
  aliases?: string[];
  /** The scope the caller needs (admin implies all, write implies read). */
  scope: Scope;
  /** Changes state: refused during an emergency lockdown unless the scope is admin. */
  mutating?: boolean;
  handler(params: Params, ctx: MethodContext): Promise<unknown> | unknown;
}

/** A provider that contributes methods to the bridge's method table. */
export interface MethodProvider {
  methods(): MethodDefinition[];
}

/** The underscore aliases MicroClaw-era clients send for `a.b`: `a_b`, and the singular `session_b` for `sessions.b`. */
export function underscoreAliases(name: string): string[] {
  const [group, action] = name.split('.');
  if (!action) return [];
  const out = [`${group}_${action}`];
  if (group === 'sessions') out.push(`session_${action}`);
  return out;
}
