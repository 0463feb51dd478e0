import type { MigrationInterface } from 'typeorm';
import { Foundation1763700000000 } from './1763700000000-Foundation';
import { AuthCredentialOwnerIndexes1763700100000 } from './1763700100000-AuthCredentialOwnerIndexes';
import { Runtime1763700200000 } from './1763700200000-Runtime';
import { Metrics1763700500000 } from './1763700500000-Metrics';
import { Scheduler1763700400000 } from './1763700400000-Scheduler';
import { SecretsVault1763700600000 } from './1763700600000-SecretsVault';
import { GatewayDevices1763700900000 } from './1763700900000-GatewayDevices';
import { Webhooks1763700300000 } from './1763700300000-Webhooks';
import { Subagents1763700800000 } from './1763700800000-Subagents';
import { McpHooksMemory1763700700000 } from './1763700700000-McpHooksMemory';

/** Every migration, in order. `npm run migration:generate` prints the line to add. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  Foundation1763700000000,
  AuthCredentialOwnerIndexes1763700100000,
  Runtime1763700200000,
  Webhooks1763700300000,
  Scheduler1763700400000,
  Metrics1763700500000,
  SecretsVault1763700600000,
  McpHooksMemory1763700700000,
  Subagents1763700800000,
  GatewayDevices1763700900000,
];
