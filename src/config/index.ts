export * from './app-config';
export * from './config-loader';
export * from './config.module';
export * from './database.config';
export * from './env-var.decorator';
export * from './rate-limit.config';
export * from './redis.config';
export * from './server.config';
