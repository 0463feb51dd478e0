import 'reflect-metadata';

export interface EnvVarSpec {
  /** Environment variable name, e.g. `PORT`. */
  name: string;
  /** One line for `.env.example` and docs/configuration.md. */
  doc: string;
  /** Default as the operator would write it in the environment; undefined = unset. */
  default?: string;
  /** Never print the value (config.get, doctor, logs). */
  secret?: boolean;
  /** Comma-separated list → string[]. */
  list?: boolean;
  /** Other names read, in order, when this one is unset (the names other products' runbooks use). */
  aliases?: string[];
}

export interface EnvVarBinding extends EnvVarSpec {
  property: string;
  type: 'string' | 'number' | 'boolean' | 'list';
}

const ENV_VARS = Symbol('clawcontrol:env-vars');

/** Binds a config class property to an environment variable. */
export function EnvVar(spec: EnvVarSpec): PropertyDecorator {
  return (target, property) => {
    const designType = Reflect.getMetadata('design:type', target, property);
    const type: EnvVarBinding['type'] = spec.list
      ? 'list'
      : designType === Number
        ? 'number'
        : designType === Boolean
          ? 'boolean'
          : 'string';
    const bindings: EnvVarBinding[] = Reflect.getMetadata(ENV_VARS, target.constructor) ?? [];
    Reflect.defineMetadata(
      ENV_VARS,
      [...bindings, { ...spec, property: String(property), type }],
      target.constructor,
    );
  };
}

/** Where the variable is set in `env`: under its name or, failing that, one of its aliases; undefined when unset or empty. */
export function envEntryOf(
  binding: EnvVarSpec,
  env: NodeJS.ProcessEnv,
): { name: string; value: string } | undefined {
  for (const name of [binding.name, ...(binding.aliases ?? [])]) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

export function envBindingsOf(cls: object): EnvVarBinding[] {
  return Reflect.getMetadata(ENV_VARS, cls) ?? [];
}
