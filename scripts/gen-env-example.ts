/**
 * `npm run config:docs`: writes `.env.example` and `docs/configuration.md` from the
 * @EnvVar metadata of every class in CONFIG_CLASSES, so both always list every
 * variable with its default and meaning. test/config-docs.spec.ts fails when a
 * committed copy is out of date.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigClass } from '../src/config/config-loader';
import { CONFIG_CLASSES } from '../src/config/config.registry';
import { EnvVarBinding, envBindingsOf } from '../src/config/env-var.decorator';

export const ENV_EXAMPLE_PATH = '.env.example';
export const CONFIGURATION_DOC_PATH = 'docs/configuration.md';
const REGENERATE = 'npm run config:docs';

/** Variables read by docker/compose.yml only (not by the service). */
const COMPOSE_ONLY: Pick<EnvVarBinding, 'name' | 'doc' | 'default' | 'secret'>[] = [
  {
    name: 'POSTGRES_PASSWORD',
    doc: 'docker/compose.yml only: password of the bundled PostgreSQL (the app gets it through DATABASE_URL)',
    secret: true,
  },
  {
    name: 'CLAWCONTROL_PORT',
    doc: 'docker/compose.yml only: host port published for the app',
    default: '8080',
  },
];

/** `RateLimitConfig` → `Rate limit`. */
export function sectionTitle(cls: ConfigClass): string {
  const words = cls.name
    .replace(/Config$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(' ');
  return [words[0], ...words.slice(1).map((w) => (/^[A-Z]+$/.test(w) ? w : w.toLowerCase()))].join(' ');
}

function sections(classes: ConfigClass[]) {
  return classes.map((cls) => ({ title: sectionTitle(cls), bindings: envBindingsOf(cls) }));
}

export function renderEnvExample(classes: ConfigClass[] = CONFIG_CLASSES): string {
  const out = [
    '# Clawcontrol configuration: every environment variable the service reads, with its default.',
    '# Copy to .env and change what you need; unset variables take the default shown.',
    '# Lines starting with "# NAME=" have no default (unset unless you set them).',
    `# Generated from the config classes (src/**/*.config.ts) by \`${REGENERATE}\`: do not edit by hand.`,
  ];
  const entry = (b: Pick<EnvVarBinding, 'name' | 'doc' | 'default' | 'secret'>) => {
    out.push(`# ${b.doc}${b.secret ? ' (secret: never logged)' : ''}`);
    out.push(b.default === undefined ? `# ${b.name}=` : `${b.name}=${b.default}`);
  };
  for (const { title, bindings } of sections(classes)) {
    out.push('', `# ---- ${title} ----`);
    bindings.forEach(entry);
  }
  out.push('', '# ---- Docker compose ----');
  COMPOSE_ONLY.forEach(entry);
  return `${out.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderConfigurationDoc(classes: ConfigClass[] = CONFIG_CLASSES): string {
  const out = [
    '# Configuration',
    '',
    `<!-- Generated from the config classes by \`${REGENERATE}\`; do not edit by hand. -->`,
    '',
    'Clawcontrol reads its configuration from environment variables only (a `.env` file is read by',
    'docker compose, not by the service). Every variable is validated at boot, before anything',
    'starts: all problems are reported at once, each naming the variable, and the process exits',
    'with status 2 (`clawcontrol doctor` prints the same check). Values marked *secret* are never',
    'logged or echoed back in error messages. Lists are comma-separated; booleans accept',
    '`true/false`, `1/0`, `yes/no`, `on/off`; an empty value counts as unset.',
    '',
    'A commented copy with every default: [`.env.example`](../.env.example).',
  ];
  for (const { title, bindings } of sections(classes)) {
    out.push('', `## ${title}`, '', '| Variable | Default | Meaning |', '| --- | --- | --- |');
    for (const b of bindings) {
      const def =
        b.default === undefined ? '*(unset)*' : b.default === '' ? '*(empty)*' : `\`${cell(b.default)}\``;
      out.push(`| \`${b.name}\` | ${def} | ${cell(b.doc)}${b.secret ? ' *(secret)*' : ''} |`);
    }
  }
  out.push('', '## Docker compose', '', '| Variable | Default | Meaning |', '| --- | --- | --- |');
  for (const b of COMPOSE_ONLY) {
    const def = b.default === undefined ? '*(unset)*' : `\`${b.default}\``;
    out.push(`| \`${b.name}\` | ${def} | ${cell(b.doc)}${b.secret ? ' *(secret)*' : ''} |`);
  }
  return `${out.join('\n')}\n`;
}

if (require.main === module) {
  const root = join(__dirname, '..', '..');
  writeFileSync(join(root, ENV_EXAMPLE_PATH), renderEnvExample());
  writeFileSync(join(root, CONFIGURATION_DOC_PATH), renderConfigurationDoc());
  process.stdout.write(`wrote ${ENV_EXAMPLE_PATH} and ${CONFIGURATION_DOC_PATH}\n`);
}
