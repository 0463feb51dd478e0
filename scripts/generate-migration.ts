/**
 * `npm run migration:generate -- <Name>`: applies every migration to a fresh
 * in-memory PostgreSQL (PGlite), asks TypeORM what the entities still need, and
 * writes migrations/<timestamp>-<Name>.ts with those statements (or says
 * "no changes"). The new class must then be listed in migrations/index.ts.
 */
import 'reflect-metadata';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { loadConfigClasses } from '../src/config/config-loader';
import { DatabaseConfig } from '../src/config/database.config';
import { openDatabaseEndpoint } from '../src/database/database-endpoint';
import { dataSourceOptions } from '../src/database/data-source-options';
import { ENTITIES } from '../src/database/entities';
import { runMigrationsLocked } from '../src/database/migration-runner';

export interface SqlStatement {
  query: string;
  parameters?: unknown[];
}

export interface SchemaChanges {
  up: SqlStatement[];
  down: SqlStatement[];
}

/** What the entities need beyond the migrations, measured on a throw-away in-memory database. */
export async function pendingSchemaChanges(
  migrations: typeof MIGRATIONS = MIGRATIONS,
  entities: typeof ENTITIES = ENTITIES,
): Promise<SchemaChanges> {
  const db = loadConfigClasses([DatabaseConfig], { DATA_DIR: 'memory://' }).get(
    DatabaseConfig,
  ) as DatabaseConfig;
  const endpoint = await openDatabaseEndpoint(db);
  const ds = new DataSource({ ...dataSourceOptions(db, endpoint.url), migrations, entities });
  try {
    await ds.initialize();
    await runMigrationsLocked(ds);
    const log = await ds.driver.createSchemaBuilder().log();
    return { up: log.upQueries, down: log.downQueries };
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await endpoint.stop();
  }
}

function statement(s: SqlStatement): string {
  const sql = s.query.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  const params = s.parameters?.length ? `, ${JSON.stringify(s.parameters)}` : '';
  return `    await q.query(\`${sql}\`${params});`;
}

/** The TypeScript source of one migration: up in order, down in reverse. */
export function renderMigration(className: string, changes: SchemaChanges): string {
  return [
    `import { MigrationInterface, QueryRunner } from 'typeorm';`,
    ``,
    `export class ${className} implements MigrationInterface {`,
    `  name = '${className}';`,
    ``,
    `  public async up(q: QueryRunner): Promise<void> {`,
    ...changes.up.map(statement),
    `  }`,
    ``,
    `  public async down(q: QueryRunner): Promise<void> {`,
    ...[...changes.down].reverse().map(statement),
    `  }`,
    `}`,
    ``,
  ].join('\n');
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    process.stderr.write(
      'usage: npm run migration:generate -- <Name>   (PascalCase, e.g. AddWebhookRetries)\n',
    );
    process.exit(2);
  }
  const changes = await pendingSchemaChanges();
  if (changes.up.length === 0) {
    process.stdout.write('no changes: the migrations already match the entities\n');
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const root = join(__dirname, '..', '..');
  const file = join(root, 'migrations', `${timestamp}-${name}.ts`);
  if (existsSync(file)) throw new Error(`${file} already exists`);
  writeFileSync(file, renderMigration(className, changes));
  process.stdout.write(
    `wrote ${relative(root, file)} (${changes.up.length} statements)\n` +
      `now list it in migrations/index.ts:\n` +
      `  import { ${className} } from './${timestamp}-${name}';\n` +
      `  export const MIGRATIONS: Function[] = [..., ${className}];\n`,
  );
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`migration:generate failed: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
