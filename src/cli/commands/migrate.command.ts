import { Command } from 'commander';
import { revertLastMigrationLocked, runMigrationsLocked } from '../../database/migration-runner';
import { loadCliConfig, withDataSource } from '../cli-context';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('apply pending migrations under the advisory lock (safe while replicas run)')
    .option('--revert', 'revert the most recently applied migration instead')
    .action(async (opts: { revert?: boolean }) => {
      const config = loadCliConfig();
      await withDataSource(async (ds) => {
        if (opts.revert) {
          const reverted = await revertLastMigrationLocked(ds);
          process.stdout.write(reverted ? `reverted ${reverted}\n` : 'no applied migration to revert\n');
          return;
        }
        const applied = await runMigrationsLocked(ds);
        if (applied.length === 0) process.stdout.write('no pending migrations\n');
        for (const name of applied) process.stdout.write(`applied ${name}\n`);
      }, config);
    });
}
