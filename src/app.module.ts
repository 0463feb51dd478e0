import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from './common/common.module';
import { loggerParams } from './common/logging/logging';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { ServerConfig } from './config/server.config';
import { DatabaseEndpoint } from './database/database-endpoint';
import { DatabaseModule } from './database/database.module';
import { FEATURE_MODULES } from './feature-modules';

@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    endpoint: DatabaseEndpoint,
    logStream?: NodeJS.WritableStream,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config.get(ServerConfig), logStream)),
        DatabaseModule.forRoot(config, endpoint),
        CommonModule,
        ...FEATURE_MODULES,
      ],
    };
  }
}
