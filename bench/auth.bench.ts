/**
 * Auth benchmark: what authenticating a request costs. Requests/s of a guarded
 * route that does almost nothing else (GET /api/admin/lockdown, state cached)
 * with an API key and with a browser session, against the public GET /healthz
 * in the same run, on the same process and embedded database. Rate limits off.
 */
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.factory';
import { systemPrincipal } from '../src/common/context/principal';
import { RequestContext } from '../src/common/context/request-context';
import { AppConfig } from '../src/config/app-config';
import { OrganizationsRepository } from '../src/modules/auth/repositories/organizations.repository';
import { ApiKeysService } from '../src/modules/auth/services/api-keys.service';
import { UsersService } from '../src/modules/auth/services/users.service';

const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<{ requests: { average: number }; non2xx: number; errors: number }>;

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
}

const DURATION_S = Number(process.env.BENCH_AUTH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_AUTH_CONNECTIONS ?? 10);
const EMAIL = 'bench@example.com';
const PASSWORD = 'Bench-only-pass-8842';

async function requestsPerSecond(url: string, headers: Record<string, string> = {}): Promise<number> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.average;
}

export async function run(): Promise<BenchResult[]> {
  const config = AppConfig.load({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: 'memory://',
    RATE_LIMIT_ENABLED: 'false',
    SESSION_SECRET: 'c0ffee5a1e9b7d3f2a8c6e4b1d9f7a5c3e1b8d6f4a2c0e9',
  });
  const handle = await createApp(config);
  await handle.app.listen(0, '127.0.0.1');
  try {
    const base = `http://127.0.0.1:${(handle.app.getHttpServer().address() as AddressInfo).port}`;
    const platform = (await handle.app.get(OrganizationsRepository).findPlatform())!;
    const key = await RequestContext.run(
      { requestId: 'bench', transport: 'system', principal: systemPrincipal(platform.id) },
      async () => {
        await handle.app.get(UsersService).ensureAdmin(EMAIL, PASSWORD, false);
        return handle.app.get(ApiKeysService).create({ label: 'bench', scopes: ['operator.read'] });
      },
    );
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
    await requestsPerSecond(`${base}/healthz`); // warm-up (JIT, pool)
    const publicRps = await requestsPerSecond(`${base}/healthz`);
    const apiKeyRps = await requestsPerSecond(guarded, { authorization: `Bearer ${key.api_key}` });
    const sessionRps = await requestsPerSecond(guarded, { cookie });
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

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

if (require.main === module) {
  run()
    .then((results) => console.log(JSON.stringify(results, null, 2)))
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
