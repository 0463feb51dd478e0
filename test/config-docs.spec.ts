import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_CLASSES } from '../src/config/config.registry';
import { envBindingsOf } from '../src/config/env-var.decorator';
import {
  CONFIGURATION_DOC_PATH,
  ENV_EXAMPLE_PATH,
  renderConfigurationDoc,
  renderEnvExample,
} from '../scripts/gen-env-example';

const ROOT = join(__dirname, '..');
const read = (path: string) => {
  try {
    return readFileSync(join(ROOT, path), 'utf8');
  } catch {
    return '(missing)';
  }
};

describe('generated configuration reference', () => {
  it.each([
    [ENV_EXAMPLE_PATH, renderEnvExample],
    [CONFIGURATION_DOC_PATH, renderConfigurationDoc],
  ])('%s is up to date with CONFIG_CLASSES', (path, render) => {
    const committed = read(path);
    const expected = render();
    if (committed !== expected) {
      throw new Error(
        `${path} is out of date with the config classes: run \`npm run config:docs\` and commit it.`,
      );
    }
  });

  it('lists every variable of every registered class, each with a meaning', () => {
    const example = renderEnvExample();
    const bindings = CONFIG_CLASSES.flatMap((cls) => envBindingsOf(cls));
    expect(bindings.length).toBeGreaterThan(0);
    for (const b of bindings) {
      expect(example).toMatch(new RegExp(`^(# )?${b.name}=`, 'm'));
      expect(b.doc.trim()).not.toBe('');
    }
  });

  it('no two config classes claim the same variable', () => {
    const names = CONFIG_CLASSES.flatMap((cls) => envBindingsOf(cls).map((b) => `${b.name} (${cls.name})`));
    const seen = new Map<string, string>();
    const clashes = names.filter((n) => {
      const name = n.split(' ')[0];
      if (seen.has(name)) return true;
      seen.set(name, n);
      return false;
    });
    expect(clashes).toEqual([]);
  });
});
