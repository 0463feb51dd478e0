import { Injectable } from '@nestjs/common';
import { RuntimeConfig } from '../runtime.config';
import { EchoProvider } from './echo.provider';
import { OpenAiProvider } from './openai.provider';
import { ModelProvider, ProviderError } from './provider.types';

/** The model providers by agent `provider.type`. */
@Injectable()
export class ProviderRegistry {
  private readonly providers = new Map<string, ModelProvider>();

  constructor(config: RuntimeConfig) {
    this.add(new EchoProvider());
    this.add(
      new OpenAiProvider({
        defaultBaseUrl: config.openaiBaseUrl,
        defaultModel: config.openaiModel,
        defaultApiKey: config.openaiApiKey,
        maxRetries: config.providerMaxRetries,
        retryBaseMs: config.providerRetryBaseMs,
        retryMaxDelayMs: config.providerRetryMaxDelayMs,
        idleTimeoutMs: config.providerIdleTimeoutMs,
      }),
    );
  }

  add(provider: ModelProvider): void {
    this.providers.set(provider.type, provider);
  }

  get(type: string): ModelProvider {
    const provider = this.providers.get(type);
    if (!provider) throw new ProviderError(`unknown provider type '${type}'`, 'config');
    return provider;
  }
}
