import type { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { applyHttpMetrics } from './common/http/http-metrics';
import { applyHttpPipeline } from './common/http/http-pipeline';
import { setupSwagger } from './common/http/swagger';
import { createValidationPipe } from './common/errors/validation';
import { LifecycleService } from './common/lifecycle/lifecycle.service';
import { AppConfig } from './config/app-config';
import { DatabaseConfig } from './config/database.config';
import { ServerConfig } from './config/server.config';
import { DatabaseEndpoint, openDatabaseEndpoint } from './database/database-endpoint';

/** A running (or ready to listen) service: the Nest app plus what it owns outside Nest. */
export interface AppHandle {
  app: NestExpressApplication;
  config: AppConfig;
  endpoint: DatabaseEndpoint;
  /** Drains (readiness 503, drain hooks), stops the HTTP server, closes the app and the embedded DB. */
  shutdown(reason?: string): Promise<void>;
}

export interface CreateAppOptions {
  /** Reuse a database endpoint (tests share one embedded database between app instances). */
  endpoint?: DatabaseEndpoint;
  /** Log destination instead of stdout (tests read the log lines). */
  logStream?: NodeJS.WritableStream;
  /** Keep the endpoint running when the app shuts down. */
  keepEndpoint?: boolean;
}

export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<AppHandle> {
  const server = config.get(ServerConfig);
  const endpoint = options.endpoint ?? (await openDatabaseEndpoint(config.get(DatabaseConfig)));
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot(config, endpoint, options.logStream),
      {
        bodyParser: false,
        bufferLogs: true,
        abortOnError: false,
      },
    );
  } catch (err) {
    if (!options.keepEndpoint) await endpoint.stop();
    throw err;
  }
  app.useLogger(app.get(Logger));
  app.set('trust proxy', false); // client IPs are resolved by TRUSTED_PROXIES in the pipeline
  app.set('x-powered-by', false);
  applyHttpMetrics(app);
  applyHttpPipeline(app, server);
  app.useGlobalPipes(createValidationPipe());
  if (server.swaggerEnabled) setupSwagger(app);

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') =>
    (shuttingDown ??= (async () => {
      const lifecycle = app.get(LifecycleService);
      await lifecycle.drain(server.shutdownGraceMs);
      await closeHttpServer(app.getHttpServer(), server.shutdownGraceMs);
      await app.close();
      if (!options.keepEndpoint) await endpoint.stop();
      app.get(Logger).log(`stopped (${reason})`);
    })());

  return { app, config, endpoint, shutdown };
}

/** Stops accepting connections and lets in-flight requests finish, up to graceMs. */
export async function closeHttpServer(httpServer: Server, graceMs: number): Promise<void> {
  if (!httpServer.listening) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      httpServer.closeAllConnections();
      resolve();
    }, graceMs);
    httpServer.close(() => {
      clearTimeout(force);
      resolve();
    });
    httpServer.closeIdleConnections();
  });
}

export type { INestApplication };
