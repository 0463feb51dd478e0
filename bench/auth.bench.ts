/**
 * Auth benchmark: what authenticating a request costs. Requests/s of a guarded
 * route that does almost nothing else (GET /api/admin/lockdown, state cached)
 * with an API key and with a browser session, against the public GET /healthz
 * in the same run, on the same process and embedded database. Rate limits off.
 */
import { createApp } from '../src/app.factory';
import { AppConfig } from '../src/config/app-config';
import { OrganizationsRepository } from '../src/modules/auth/repositories/organizations.repository';
import { ApiKeysService } from '../src/modules/auth/services/api-keys.service';
import { UsersService } from '../src/modules/auth/services/users.service';
import { asSystem, type BenchResult, benchEnv, listen, requestsPerSecond, round, runIfMain } from './support';

const DURATION_S = Number(process.env.BENCH_AUTH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_AUTH_CONNECTIONS ?? 10);
const EMAIL = 'bench@example.com';
const PASSWORD = 'Bench-only-pass-8842';

const rps = (url: string, headers: Record<string, string> = {}) =>
  requestsPerSecond(url, { headers, connections: CONNECTIONS, duration: DURATION_S });

export async function run(): Promise<BenchResult[]> {
  const config = AppConfig.load(
    benchEnv({ DATA_DIR: 'memory://', SESSION_SECRET: 'c0ffee5a1e9b7d3f2a8c6e4b1d9f7a5c3e1b8d6f4a2c0e9' }),
  );
  const handle = await createApp(config);
  const base = await listen(handle);
  try {
    const platform = (await handle.app.get(OrganizationsRepository).findPlatform())!;
    const key = await asSystem(platform.id, async () => {
      await handle.app.get(UsersService).ensureAdmin(EMAIL, PASSWORD, false);
      return handle.app.get(ApiKeysService).create({ label: 'bench', scopes: ['operator.read'] });
    });
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');

    const guarded = `${base}/api/admin/lockdown`;
    await rps(`${base}/healthz`); // warm-up (JIT, pool)
    const publicRps = await rps(`${base}/healthz`);
    const apiKeyRps = await rps(guarded, { authorization: `Bearer ${key.api_key}` });
    const sessionRps = await rps(guarded, { cookie });
    const baseline = `public GET /healthz, same run (${CONNECTIONS} connections, ${DURATION_S} s)`;
    return [
      {
        name: 'auth: requests/s of a guarded route with an API key (Bearer)',
        value: round(apiKeyRps),
        unit: 'req/s',
        baseline,
        baselineValue: round(publicRps),
        ratio: round(apiKeyRps / publicRps, 3),
      },
      {
        name: 'auth: requests/s of a guarded route with a browser session (mc_session)',
        value: round(sessionRps),
        unit: 'req/s',
        baseline,
        baselineValue: round(publicRps),
        ratio: round(sessionRps / publicRps, 3),
      },
    ];
  } finally {
    await handle.shutdown('bench');
  }
}

runIfMain(module, run);
