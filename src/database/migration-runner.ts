import { DataSource, MigrationExecutor } from 'typeorm';

/** Arbitrary constant shared by every replica: the key of the migration lock. */
export const MIGRATION_LOCK_KEY = 7_312_004_118;

/**
 * Applies pending migrations while holding a session-level advisory lock, so
 * replicas booting together apply each migration exactly once: the first one
 * migrates, the others wait, then find nothing pending.
 */
export async function runMigrationsLocked(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(ds, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/** Reverts the most recently applied migration; returns its name, or undefined when none is applied. */
export async function revertLastMigrationLocked(ds: DataSource): Promise<string | undefined> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(ds, runner);
      executor.transaction = 'each';
      const [last] = await executor.getExecutedMigrations(); // newest first
      if (!last) return undefined;
      await executor.undoLastMigration();
      return last.name;
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

export async function pendingMigrationNames(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  try {
    const executor = new MigrationExecutor(ds, runner);
    return (await executor.getPendingMigrations()).map((m) => m.name);
  } finally {
    await runner.release();
  }
}
