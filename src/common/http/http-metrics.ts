import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ServerConfig } from '../../config/server.config';
import { MetricsRegistry } from '../metrics/metrics-registry';

/** Records every response by route template (never the raw path, so labels stay bounded). */
export function applyHttpMetrics(app: INestApplication): void {
  if (!app.get(ServerConfig).httpMetricsEnabled) return;
  const metrics = app.get(MetricsRegistry);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
    });
    next();
  });
}
