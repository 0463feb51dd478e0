import { Command } from 'commander';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { scrubUrl } from '../../common/logging/logging';
import { safeOptions } from '../../common/redis/redis-connections';
import { AppConfig } from '../../config/app-config';
import { ConfigValidationError } from '../../config/config-loader';
import { DatabaseConfig } from '../../config/database.config';
import { RateLimitConfig } from '../../config/rate-limit.config';
import { RedisConfig } from '../../config/redis.config';
import { DatabaseEndpoint } from '../../database/database-endpoint';
import { pendingMigrationNames } from '../../database/migration-runner';
import { EXIT_FAILURE, withDataSource } from '../cli-context';

type Status = { state: 'ok' | 'fail' | 'skipped'; detail?: string };

const REDIS_TIMEOUT_MS = 3000;

function line(name: string, status: Status): string {
  const word = status.state === 'ok' ? 'ok' : status.state === 'fail' ? 'FAIL' : 'skipped';
  // Reasons come from drivers and may quote a URL: strip credentials and secret query parameters.
  const detail = status.detail ? ` ${scrubUrl(status.detail.replace(/\s*\n\s*/g, '; '))}` : '';
  return `${name.padEnd(12)}${word}${detail}`;
}

/** Where the database is, without credentials. */
function describeDatabase(db: DatabaseConfig, endpoint?: DatabaseEndpoint): string {
  if (db.embedded || endpoint?.embedded) return `embedded PGlite, DATA_DIR ${db.dataDir}`;
  try {
    const url = new URL(db.url!);
    return `postgres ${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'postgres';
  }
}

async function checkRedis(url: string): Promise<void> {
  const client = new Redis(url, { ...safeOptions(), lazyConnect: true, retryStrategy: () => null });
  let lastError: Error | undefined;
  client.on('error', (err: Error) => (lastError = err)); // the socket error says more than "Connection is closed"
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        try {
          await client.connect();
          const reply = await client.ping();
          if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
        } catch (err) {
          throw lastError ?? err;
        }
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`)),
          REDIS_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * Checks configuration, database, migrations and Redis, one line each, without
 * changing anything (migrations are reported, never applied). Returns the exit code.
 */
export async function runDoctor(env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  let failed = false;
  const report = (name: string, status: Status) => {
    if (status.state === 'fail') failed = true;
    print(line(name, status));
  };

  let config: AppConfig;
  try {
    config = AppConfig.load({ ...env, DB_AUTO_MIGRATE: 'false' });
    report('config', { state: 'ok' });
  } catch (err) {
    const detail = err instanceof ConfigValidationError ? err.problems.join('; ') : (err as Error).message;
    report('config', { state: 'fail', detail });
    for (const name of ['database', 'migrations', 'redis'])
      report(name, { state: 'skipped', detail: '(config invalid)' });
    return EXIT_FAILURE;
  }

  const db = config.get(DatabaseConfig);
  let databaseUp = false;
  try {
    await withDataSource(async (ds: DataSource, endpoint) => {
      await ds.query('SELECT 1');
      databaseUp = true;
      report('database', { state: 'ok', detail: `(${describeDatabase(db, endpoint)})` });
      const pending = await pendingMigrationNames(ds);
      report(
        'migrations',
        pending.length === 0
          ? { state: 'ok', detail: `(${ds.migrations.length} applied, none pending)` }
          : {
              state: 'fail',
              detail: `${pending.length} pending: ${pending.join(', ')} (run: clawcontrol migrate)`,
            },
      );
    }, config);
  } catch (err) {
    const reason = (err as Error).message || String(err);
    if (!databaseUp) {
      report('database', { state: 'fail', detail: `${reason} (${describeDatabase(db)})` });
      report('migrations', { state: 'skipped', detail: '(database unavailable)' });
    } else {
      report('migrations', { state: 'fail', detail: reason });
    }
  }

  const redisUrl = config.get(RedisConfig).url ?? config.get(RateLimitConfig).redisUrl;
  if (!redisUrl) {
    report('redis', { state: 'skipped', detail: '(REDIS_URL not set)' });
  } else {
    try {
      await checkRedis(redisUrl);
      report('redis', { state: 'ok' });
    } catch (err) {
      report('redis', { state: 'fail', detail: (err as Error).message });
    }
  }
  return failed ? EXIT_FAILURE : 0;
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check configuration, database, migrations and Redis (one line each; exit 1 on a failure)')
    .action(async () => {
      process.exitCode = await runDoctor(process.env, (l) => process.stdout.write(`${l}\n`));
    });
}
