import { Command } from 'commander';
import * as audit from './audit.command';
import * as backup from './backup.command';
import * as dlq from './dlq.command';
import * as doctor from './doctor.command';
import * as gateway from './gateway.command';
import * as hooks from './hooks.command';
import * as keys from './keys.command';
import * as migrate from './migrate.command';
import * as secrets from './secrets.command';
import * as security from './security.command';
import * as subagents from './subagents.command';
import * as users from './users.command';

/** Adds one command group to the program. Each `<group>.command.ts` exports one. */
export type CommandRegistrar = (program: Command) => void;

/** Every command group of `clawcontrol`; a module adds its `register` here. */
export const COMMANDS: CommandRegistrar[] = [doctor.register, migrate.register, secrets.register, security.register, gateway.register, users.register, keys.register, audit.register, dlq.register, backup.register, subagents.register, hooks.register];
