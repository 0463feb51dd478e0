import { TEST_ADMIN_KEY, TestApp } from './support/test-app';

export const ADMIN = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Creates an API key with exactly these scopes (as the bootstrap admin unless `as` is given). */
export async function createKey(
  app: TestApp,
  scopes: string[],
  as: Record<string, string> = ADMIN,
): Promise<{ id: string; token: string }> {
  const res = await app
    .http()
    .post('/api/auth/api_keys')
    .set(as)
    .send({ label: `k-${scopes.join('+')}`, scopes });
  if (res.status !== 201) throw new Error(`creating key failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, token: res.body.api_key };
}

export async function createUser(
  app: TestApp,
  email: string,
  password: string,
  role: 'admin' | 'operator' | 'viewer',
  as: Record<string, string> = ADMIN,
): Promise<string> {
  const res = await app.http().post('/api/auth/users').set(as).send({ email, password, role });
  if (res.status !== 201) throw new Error(`creating user failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export interface BrowserLogin {
  /** Cookie header carrying mc_session and mc_csrf. */
  cookie: string;
  csrf: string;
  sessionCookie: string;
  setCookie: string[];
  body: Record<string, any>;
}

/** Signs in and returns what a browser would keep. */
export async function login(
  app: TestApp,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<BrowserLogin> {
  const res = await app.http().post('/api/auth/login').set(headers).send({ email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const pairs = setCookie.map((c) => c.split(';')[0]);
  const sessionCookie = pairs.find((p) => p.startsWith('mc_session='))!;
  return { cookie: pairs.join('; '), csrf: res.body.csrf_token, sessionCookie, setCookie, body: res.body };
}

/** Headers of a browser request with session cookie and the CSRF header. */
export const browser = (s: BrowserLogin, withCsrf = true) => ({
  Cookie: s.cookie,
  ...(withCsrf ? { 'x-csrf-token': s.csrf } : {}),
});
