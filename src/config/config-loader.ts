import { validateSync, ValidationError } from 'class-validator';
import { EnvVarBinding, envBindingsOf, envEntryOf } from './env-var.decorator';

export type ConfigClass<T = any> = new () => T;

/** A config class may add checks that span several variables. */
export interface CrossFieldCheck {
  crossFieldProblems(env: NodeJS.ProcessEnv): string[];
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function parseValue(binding: EnvVarBinding, raw: string): unknown {
  switch (binding.type) {
    case 'number':
      return raw.trim() === '' ? Number.NaN : Number(raw);
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return raw; // left as a string so @IsBoolean reports it
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

const TYPE_CONSTRAINTS = ['isInt', 'isNumber', 'isBoolean'];

function describeErrors(
  errors: ValidationError[],
  bindings: EnvVarBinding[],
  env: NodeJS.ProcessEnv,
): string[] {
  return errors.flatMap((e) => {
    const binding = bindings.find((b) => b.property === e.property);
    const entry = binding ? envEntryOf(binding, env) : undefined;
    const name = entry?.name ?? binding?.name ?? e.property;
    const raw = entry?.value;
    const shown = binding?.secret || raw === undefined ? '' : ` (got "${raw}")`;
    const constraints = e.constraints ?? {};
    // A value of the wrong type also fails its range checks: name only the type problem.
    const typeProblems = TYPE_CONSTRAINTS.filter((k) => k in constraints).map((k) => constraints[k]);
    const messages = typeProblems.length ? typeProblems : Object.values(constraints);
    return messages.map((msg) => `${name}: ${msg.replace(e.property, 'value')}${shown}`);
  });
}

/**
 * Builds every config class from the environment, collecting all problems before
 * failing, so an operator fixes the whole environment in one pass.
 */
export function loadConfigClasses(classes: ConfigClass[], env: NodeJS.ProcessEnv): Map<ConfigClass, object> {
  const problems: string[] = [];
  const instances = new Map<ConfigClass, object>();
  for (const cls of classes) {
    const instance = new cls() as Record<string, unknown>;
    const bindings = envBindingsOf(cls);
    for (const binding of bindings) {
      const raw = envEntryOf(binding, env)?.value ?? binding.default;
      instance[binding.property] = raw === undefined ? undefined : parseValue(binding, raw);
    }
    problems.push(...describeErrors(validateSync(instance, { forbidUnknownValues: false }), bindings, env));
    const check = (instance as unknown as Partial<CrossFieldCheck>).crossFieldProblems;
    if (typeof check === 'function') problems.push(...check.call(instance, env));
    instances.set(cls, instance);
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return instances;
}
