import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAuditVerify } from '../src/cli/commands/audit.command';
import { runKeysCreate, runKeysList, runKeysRevoke } from '../src/cli/commands/keys.command';
import { runCreateAdmin } from '../src/cli/commands/users.command';
import { buildProgram } from '../src/cli/main';
import { bearer, login } from './auth-helpers';
import { startTestApp, testEnv } from './support/test-app';
import { createScratchDatabase } from './support/test-db';

describe('CLI: users create-admin, keys create|list|revoke, audit verify', () => {
  let dir: string;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dbEnv: Record<string, string>;
  let env: NodeJS.ProcessEnv;
  const captured = () => {
    const lines: string[] = [];
    return { lines, print: (l: string) => lines.push(l) };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cc-auth-cli-'));
    scratch = await createScratchDatabase();
    dbEnv = scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: join(dir, 'data') };
    env = testEnv({ ...dbEnv, ADMIN_API_KEY: undefined });
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the commands are registered', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['users', 'keys', 'audit']));
  });

  it('creates an admin and keys that the service then accepts; revoking by prefix kills the key', async () => {
    const admin = captured();
    expect(
      await runCreateAdmin(
        { email: 'Cli-Admin@example.com', password: 'Cli-admin-pass-0042' },
        admin.print,
        env,
      ),
    ).toBe(0);
    expect(admin.lines[0]).toMatch(
      /^admin cli-admin@example\.com created: id [0-9a-f-]{36}, organization default$/,
    );
    const again = captured();
    await runCreateAdmin(
      { email: 'cli-admin@example.com', password: 'Cli-admin-pass-0042' },
      again.print,
      env,
    );
    expect(again.lines[0]).toContain('already exists');

    const created = captured();
    expect(
      await runKeysCreate(
        { label: 'ci', scopes: 'operator.read,operator.write', expiresDays: '30', json: true },
        created.print,
        env,
      ),
    ).toBe(0);
    const key = JSON.parse(created.lines[0]);
    expect(key).toMatchObject({
      api_key: expect.stringMatching(/^cc_/),
      scopes: ['operator.read', 'operator.write'],
      expires_at: expect.any(String),
    });

    const listed = captured();
    await runKeysList({}, listed.print, env);
    expect(listed.lines.join('\n')).toContain(key.prefix);
    expect(listed.lines.join('\n')).not.toContain(key.api_key);

    // The running service sees what the CLI did (same database).
    const app = await startTestApp({
      env: { ...dbEnv, ...(scratch ? {} : { DATABASE_URL: undefined }), ADMIN_API_KEY: undefined },
    });
    try {
      await login(app, 'cli-admin@example.com', 'Cli-admin-pass-0042');
      await app.http().get('/api/auth/api_keys').set(bearer(key.api_key)).expect(200);
    } finally {
      await app.close();
    }

    const revoked = captured();
    expect(await runKeysRevoke(key.prefix, {}, revoked.print, env)).toBe(0);
    expect(revoked.lines[0]).toMatch(new RegExp(`^revoked ${key.prefix}`));
    const verify = captured();
    expect(await runAuditVerify(verify.print, env)).toBe(0);
    expect(verify.lines[0]).toMatch(/^audit chain ok: \d+ row\(s\) verified$/);

    const app2 = await startTestApp({
      env: { ...dbEnv, ...(scratch ? {} : { DATABASE_URL: undefined }), ADMIN_API_KEY: undefined },
    });
    try {
      await app2.http().get('/api/auth/api_keys').set(bearer(key.api_key)).expect(401);
    } finally {
      await app2.close();
    }
  }, 240_000);

  it('bad input fails with a message naming the problem', async () => {
    const sink = captured();
    await expect(runKeysCreate({ label: 'x', scopes: 'root' }, sink.print, env)).rejects.toThrow(/--scopes/);
    await expect(
      runKeysCreate({ label: 'x', scopes: 'operator.read', expiresDays: 'soon' }, sink.print, env),
    ).rejects.toThrow(/--expires-days/);
    await expect(
      runCreateAdmin({ email: 'weak@example.com', password: 'password123' }, sink.print, env),
    ).rejects.toThrow(/password/);
    await expect(runCreateAdmin({ email: 'x@example.com' }, sink.print, {})).rejects.toThrow(
      /--password-stdin/,
    );
    await expect(runKeysRevoke('cc_nope', {}, sink.print, env)).rejects.toThrow(/no active key/);
    await expect(runKeysList({ org: 'nope' }, sink.print, env)).rejects.toThrow(
      /no organization with slug 'nope'/,
    );
  }, 240_000);
});
