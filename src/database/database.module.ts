import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseConfig } from '../config/database.config';
import { DatabaseEndpoint } from './database-endpoint';
import { dataSourceOptions } from './data-source-options';
import { runMigrationsLocked } from './migration-runner';

export const DATABASE_ENDPOINT = Symbol('DATABASE_ENDPOINT');

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, endpoint: DatabaseEndpoint): DynamicModule {
    const db = config.get(DatabaseConfig);
    const logger = new Logger('Database');
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(db, endpoint.url), retryAttempts: 5, retryDelay: 2000 }),
          dataSourceFactory: async (options) => {
            const ds = await new DataSource(options!).initialize();
            if (db.autoMigrate) {
              const applied = await runMigrationsLocked(ds);
              if (applied.length) logger.log(`Applied migrations: ${applied.join(', ')}`);
            }
            return ds;
          },
        }),
      ],
      providers: [{ provide: DATABASE_ENDPOINT, useValue: endpoint }],
      exports: [DATABASE_ENDPOINT],
    };
  }
}
