import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_CLASSES } from '../src/config/config.registry';
import { envBindingsOf } from '../src/config/env-var.decorator';

/**
 * There is no Docker engine in CI: these checks read docker/Dockerfile,
 * .dockerignore and docker/compose.yml and hold them to what the deployment relies on.
 */
const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ') // continuation lines
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (!op) continue;
    if (op.toUpperCase() === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else {
      stages[stages.length - 1]?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const all = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

describe('docker/Dockerfile', () => {
  const stages = parseDockerfile(read('docker/Dockerfile'));
  const [build, runtime] = [stages[0], stages[stages.length - 1]];

  it('is multi-stage on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toBe('node:20-bookworm-slim');
    expect(build.name).toBeDefined();
  });

  it('builds with npm ci + npm run build, and ships production dependencies only', () => {
    expect(all(build, 'RUN').join('\n')).toMatch(/npm ci\b/);
    expect(all(build, 'RUN').join('\n')).toMatch(/npm run build/);
    expect(all(runtime, 'RUN').join('\n')).toMatch(/npm ci --omit=dev/);
    expect(all(runtime, 'COPY').some((c) => c.startsWith(`--from=${build.name} /app/dist`))).toBe(true);
    expect(all(runtime, 'COPY').some((c) => /\bsrc\b/.test(c))).toBe(false); // no sources in the image
  });

  it('runs as a non-root user', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].split(':')[0];
    expect(['root', '0']).not.toContain(user);
  });

  it('has a HEALTHCHECK on /healthz that node can run (no curl in slim images)', () => {
    const [healthcheck] = all(runtime, 'HEALTHCHECK');
    expect(healthcheck).toContain('/healthz');
    const cmd = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
    expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(() => new Function(cmd[2])).not.toThrow(); // the inline script is valid JavaScript
  });

  it('exposes 8080, keeps DATA_DIR on a /data volume and starts the compiled service in exec form', () => {
    expect(all(runtime, 'EXPOSE')).toContain('8080');
    expect(all(runtime, 'ENV').join(' ')).toMatch(/DATA_DIR=\/data\b/);
    expect(all(runtime, 'VOLUME').join(' ')).toContain('/data');
    expect(JSON.parse(all(runtime, 'CMD')[0])).toEqual(['node', 'dist/src/main.js']);
    expect(existsSync(join(ROOT, 'src', 'main.ts'))).toBe(true);
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const stage of stages) {
      for (const copy of all(stage, 'COPY').filter((c) => !c.startsWith('--from'))) {
        const sources = copy.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
          expect({ source, ignored: ignored.includes(source.split('/')[0]) }).toEqual({
            source,
            ignored: false,
          });
        }
      }
    }
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local data and build output out of the build context', () => {
    const lines = read('.dockerignore').split('\n');
    for (const entry of ['.env', 'node_modules', 'data', 'dist', '.git']) expect(lines).toContain(entry);
  });
});

describe('docker/compose.yml', () => {
  const compose = parse(read('docker/compose.yml'));
  const { app, postgres, redis } = compose.services;

  it('runs the app with postgres:16 and redis:7, each with a healthcheck', () => {
    expect(postgres.image).toBe('postgres:16');
    expect(redis.image).toBe('redis:7');
    for (const service of [app, postgres, redis]) expect(service.healthcheck?.test).toBeDefined();
  });

  it('starts the app only once the database and Redis are healthy', () => {
    expect(app.depends_on.postgres.condition).toBe('service_healthy');
    expect(app.depends_on.redis.condition).toBe('service_healthy');
  });

  it('builds the app from docker/Dockerfile with the repository as context', () => {
    expect(existsSync(join(ROOT, 'docker', app.build.context, app.build.dockerfile))).toBe(true);
  });

  it('takes secrets from .env, never from the file itself', () => {
    expect(JSON.stringify(app.env_file)).toContain('../.env');
    expect(postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD(:\?[^}]*)?\}$/);
    expect(app.environment.DATABASE_URL).toContain('${POSTGRES_PASSWORD');
    expect(app.environment.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(app.environment.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
  });

  it('sets only variables the service knows', () => {
    const known = new Set(CONFIG_CLASSES.flatMap((cls) => envBindingsOf(cls).map((b) => b.name)));
    expect(Object.keys(app.environment).filter((name) => !known.has(name))).toEqual([]);
  });

  it('probes readiness with node', () => {
    const [kind, bin, flag, script] = app.healthcheck.test as string[];
    expect([kind, bin, flag]).toEqual(['CMD', 'node', '-e']);
    expect(script).toContain('/readyz');
    expect(() => new Function(script)).not.toThrow();
  });
});
