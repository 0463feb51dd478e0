import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { DatabaseConfig } from '../config/database.config';
import { ENTITIES } from './entities';

export function dataSourceOptions(db: DatabaseConfig, url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: false,
    extra: {
      max: db.embedded ? 1 : db.poolSize,
      connectionTimeoutMillis: db.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'clawcontrol',
      ...(db.embedded || db.statementTimeoutMs === 0 ? {} : { statement_timeout: db.statementTimeoutMs }),
    },
  };
}
