import 'reflect-metadata';
import { createApp } from './app.factory';
import { AppConfig } from './config/app-config';
import { ConfigValidationError } from './config/config-loader';
import { ServerConfig } from './config/server.config';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.load(process.env);
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = config.get(ServerConfig);
  const handle = await createApp(config);
  await handle.app.listen(server.port, server.host);

  const stop = (signal: string) => {
    handle
      .shutdown(signal)
      .then(() => process.exit(0))
      .catch((err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).stack}\n`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

bootstrap().catch((err) => {
  process.stderr.write(`Clawcontrol failed to start: ${(err as Error)?.message ?? err}\n`);
  process.exit(1);
});
