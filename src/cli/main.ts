import 'reflect-metadata';
import { Command } from 'commander';
import { SERVICE_VERSION } from '../version';
import { EXIT_FAILURE } from './cli-context';
import { COMMANDS } from './commands';

export function buildProgram(): Command {
  const program = new Command('clawcontrol')
    .description('Clawcontrol operations CLI. Reads the same environment variables as the service.')
    .version(SERVICE_VERSION)
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs one command and exits with its code (open handles such as pools never keep the CLI alive). */
export async function main(argv: string[] = process.argv): Promise<never> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`clawcontrol: ${(err as Error)?.message ?? err}\n`);
    process.exitCode = EXIT_FAILURE;
  }
  process.exit(process.exitCode ?? 0);
}

if (require.main === module) void main();
