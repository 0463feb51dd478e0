import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';

/** Makes AppConfig and each config class injectable by its class. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers = [
      { provide: AppConfig, useValue: config },
      ...config.classes().map((cls) => ({ provide: cls, useValue: config.get(cls) })),
    ];
    return { module: AppConfigModule, providers, exports: providers };
  }
}
