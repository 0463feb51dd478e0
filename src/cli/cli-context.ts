import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { Principal } from '../common/context/principal';
import { RequestContext } from '../common/context/request-context';
import { AppConfig } from '../config/app-config';
import { ConfigValidationError } from '../config/config-loader';
import { DatabaseConfig } from '../config/database.config';
import { DatabaseEndpoint, openDatabaseEndpoint } from '../database/database-endpoint';
import { dataSourceOptions } from '../database/data-source-options';

/** Exit codes of every command: 0 success, 1 the command failed, 2 the configuration is invalid. */
export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 2;

export interface CliContextOptions {
  /** Environment to read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Variables forced on top of the environment, e.g. `{ DB_AUTO_MIGRATE: 'false' }`. */
  overrides?: Record<string, string>;
  /** Principal the command acts as (services scoped by organization read it from the context). */
  principal?: Principal;
}

/** Loads and validates the configuration; on problems prints them all and exits 2. */
export function loadCliConfig(opts: CliContextOptions = {}): AppConfig {
  try {
    return AppConfig.load({ ...(opts.env ?? process.env), ...opts.overrides });
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

/** Runs `fn` inside a CLI request context (request id, transport 'cli', optional principal). */
function inCliContext<T>(principal: Principal | undefined, fn: () => Promise<T>): Promise<T> {
  return RequestContext.run({ requestId: `cli-${randomUUID()}`, transport: 'cli', principal }, fn);
}

/**
 * Boots the whole service without HTTP (a Nest application context on the
 * configured database, migrations applied as at boot unless DB_AUTO_MIGRATE=false),
 * runs `fn`, and always closes the app and the database. For commands that use
 * the services of the modules (keys, users, hooks, dlq, …).
 */
export async function withAppContext<T>(
  fn: (app: INestApplicationContext, config: AppConfig) => Promise<T>,
  opts: CliContextOptions = {},
): Promise<T> {
  const config = loadCliConfig(opts);
  const endpoint = await openDatabaseEndpoint(config.get(DatabaseConfig));
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config, endpoint), {
      logger: false,
      abortOnError: false,
    });
    const ready = app;
    return await inCliContext(opts.principal, () => fn(ready, config));
  } finally {
    await app?.close().catch(() => {});
    await endpoint.stop().catch(() => {});
  }
}

/**
 * Opens only the database (no Nest modules, no migrations): for commands that
 * must work while the schema is behind or the service cannot boot (doctor, migrate).
 */
export async function withDataSource<T>(
  fn: (ds: DataSource, endpoint: DatabaseEndpoint, config: AppConfig) => Promise<T>,
  config: AppConfig,
): Promise<T> {
  const db = config.get(DatabaseConfig);
  const endpoint = await openDatabaseEndpoint(db);
  let ds: DataSource | undefined;
  try {
    ds = await new DataSource(dataSourceOptions(db, endpoint.url)).initialize();
    const ready = ds;
    return await inCliContext(undefined, () => fn(ready, endpoint, config));
  } finally {
    if (ds?.isInitialized) await ds.destroy().catch(() => {});
    await endpoint.stop().catch(() => {});
  }
}
