import { ConfigValidationError, loadConfigClasses } from '../../config/config-loader';
import { MetricsConfig } from './metrics.config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfigClasses([MetricsConfig], env);
    return [];
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
}

describe('MetricsConfig', () => {
  it('defaults to the runbook numbers', () => {
    const c = loadConfigClasses([MetricsConfig], {}).get(MetricsConfig) as MetricsConfig;
    expect(c.historyIntervalS).toBe(60);
    expect(c.historyRetentionDays).toBe(30);
    expect(c.requestSuccessBurn).toBe(0.99);
    expect(c.e2eLatencyP95BurnMs).toBe(10000);
    expect(c.toolReliabilityBurn).toBe(0.97);
    expect(c.schedulerRecoverabilityBurn).toBe(0.999);
    expect(c.threshold('error5xxPercent')).toEqual({ warning: 1, critical: 5 });
    expect(c.threshold('p99Ms')).toEqual({ warning: 500, critical: 2000 });
    expect(c.threshold('memoryPercent')).toEqual({ warning: 80, critical: 95 });
    expect(c.threshold('dbConnectionsPercent')).toEqual({ warning: 80, critical: 95 });
    expect(c.threshold('queueDepth')).toEqual({ warning: 1000, critical: 10000 });
    expect(c.threshold('rateLimitPerMin')).toEqual({ warning: 100, critical: 1000 });
    expect(c.otlpEndpoint).toBeUndefined();
  });

  it('names every bad variable, never echoing the token', () => {
    const problems = problemsOf({
      METRICS_TOKEN: 'short-secret',
      METRICS_HISTORY_INTERVAL_S: '0',
      METRICS_THRESHOLD_P99_MS: 'fast',
      METRICS_THRESHOLD_MEMORY_PERCENT: '95,80',
      SLO_REQUEST_SUCCESS_BURN: '1.5',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
    });
    const named = problems.map((p) => p.split(':')[0]);
    expect(named).toEqual(
      expect.arrayContaining([
        'METRICS_TOKEN',
        'METRICS_HISTORY_INTERVAL_S',
        'METRICS_THRESHOLD_P99_MS',
        'METRICS_THRESHOLD_MEMORY_PERCENT',
        'SLO_REQUEST_SUCCESS_BURN',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
      ]),
    );
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(problems.find((p) => p.startsWith('METRICS_THRESHOLD_MEMORY_PERCENT'))).toContain(
      'must not exceed',
    );
  });
});
