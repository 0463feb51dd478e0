import { IsInt, Min } from 'class-validator';
import { AppConfig } from './app-config';
import { ConfigValidationError, loadConfigClasses } from './config-loader';
import { DatabaseConfig } from './database.config';
import { EnvVar } from './env-var.decorator';
import { RateLimitConfig } from './rate-limit.config';
import { RedisConfig } from './redis.config';
import { ServerConfig } from './server.config';

/**
 * The Foundation's own classes, loaded explicitly so that variables other
 * modules register later (which may be required) do not change these cases.
 */
const FOUNDATION = [ServerConfig, DatabaseConfig, RedisConfig, RateLimitConfig];

function load(env: NodeJS.ProcessEnv) {
  const instances = loadConfigClasses(FOUNDATION, env);
  return { get: <T>(cls: new () => T) => instances.get(cls) as T };
}

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('config loader', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = load({});
    const server = config.get(ServerConfig);
    expect(server.port).toBe(8080);
    expect(server.host).toBe('0.0.0.0');
    expect(server.corsOrigins).toEqual([]);
    expect(server.shutdownGraceMs).toBe(10_000);
    const db = config.get(DatabaseConfig);
    expect(db.dataDir).toBe('./data');
    expect(db.embedded).toBe(true);
    expect(db.autoMigrate).toBe(true);
    const limits = config.get(RateLimitConfig);
    expect(limits.enabled).toBe(true);
    expect(limits.backend).toBe('memory');
    expect(limits.agentAuth).toBe('20/60');
  });

  it('parses typed values: numbers, booleans, comma lists', () => {
    const config = load({
      PORT: '9090',
      DB_AUTO_MIGRATE: 'false',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.get(ServerConfig).port).toBe(9090);
    expect(config.get(DatabaseConfig).autoMigrate).toBe(false);
    expect(config.get(ServerConfig).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reports PORT=abc naming the variable and the value, once', () => {
    const problems = problemsOf({ PORT: 'abc' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PORT: /);
    expect(problems[0]).toContain('"abc"');
    expect(problems[0]).toContain('integer');
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DB_AUTO_MIGRATE: 'perhaps',
      RATE_LIMIT_LOGIN: 'five',
      DATABASE_URL: 'mysql://nope',
    });
    const named = problems.map((p) => p.split(':')[0]);
    expect(named).toEqual(
      expect.arrayContaining(['PORT', 'LOG_LEVEL', 'DB_AUTO_MIGRATE', 'RATE_LIMIT_LOGIN', 'DATABASE_URL']),
    );
    const err = (() => {
      try {
        load({ PORT: 'abc', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/Invalid configuration:\n {2}- PORT: .*\n {2}- LOG_LEVEL: /);
  });

  it('rejects CORS_ORIGINS=* because the API uses credentials', () => {
    const problems = problemsOf({ CORS_ORIGINS: '*' });
    expect(problems).toEqual([expect.stringMatching(/^CORS_ORIGINS: .*not allowed/)]);
  });

  it('checks variables that depend on each other', () => {
    expect(problemsOf({ RATE_LIMIT_BACKEND: 'redis' })).toEqual([
      expect.stringContaining('RATE_LIMIT_BACKEND'),
    ]);
    expect(() => load({ RATE_LIMIT_BACKEND: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' })).not.toThrow();
  });

  it("reads another product's name for a variable when ours is unset (RQ_REDIS_URL), and names it in problems", () => {
    expect(
      load({ RATE_LIMIT_BACKEND: 'redis', RQ_REDIS_URL: 'redis://rq:6379' }).get(RateLimitConfig).redisUrl,
    ).toBe('redis://rq:6379');
    expect(
      load({ RATE_LIMIT_REDIS_URL: 'redis://ours:6379', RQ_REDIS_URL: 'redis://rq:6379' }).get(
        RateLimitConfig,
      ).redisUrl,
    ).toBe('redis://ours:6379');
    const problems = problemsOf({ RQ_REDIS_URL: 'http://rq:6379/with-secret' });
    expect(problems).toEqual([
      expect.stringMatching(/^RQ_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL$/),
    ]);
  });

  it('never echoes the value of a secret variable', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems.join('\n')).toContain('DATABASE_URL');
  });

  it('treats an empty variable as unset (the default applies)', () => {
    expect(load({ PORT: '' }).get(ServerConfig).port).toBe(8080);
  });

  it('works for any config class registered later', () => {
    class WidgetConfig {
      @EnvVar({ name: 'WIDGET_COUNT', doc: 'How many widgets', default: '3' })
      @IsInt()
      @Min(1)
      count: number;
    }
    const ok = loadConfigClasses([WidgetConfig], {});
    expect((ok.get(WidgetConfig) as WidgetConfig).count).toBe(3);
    expect(() => loadConfigClasses([WidgetConfig], { WIDGET_COUNT: '0' })).toThrow(/WIDGET_COUNT: .*"0"/);
  });

  it('AppConfig.redacted() hides secrets but shows everything else', () => {
    const shown = AppConfig.load({ DATABASE_URL: 'postgres://u:pw@h/db', PORT: '81' }).redacted();
    expect(shown.DATABASE_URL).toBe('[redacted]');
    expect(shown.PORT).toBe(81);
  });
});
