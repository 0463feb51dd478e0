import { ConfigClass, loadConfigClasses } from './config-loader';
import { CONFIG_CLASSES } from './config.registry';
import { envBindingsOf } from './env-var.decorator';

/** The validated configuration: one instance per config class. */
export class AppConfig {
  private constructor(
    private readonly instances: Map<ConfigClass, object>,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static load(env: NodeJS.ProcessEnv = process.env): AppConfig {
    return new AppConfig(loadConfigClasses(CONFIG_CLASSES, env), env);
  }

  get<T>(cls: ConfigClass<T>): T {
    const instance = this.instances.get(cls);
    if (!instance) throw new Error(`config class ${cls.name} is not registered in CONFIG_CLASSES`);
    return instance as T;
  }

  classes(): ConfigClass[] {
    return [...this.instances.keys()];
  }

  /** Effective configuration with secrets redacted, keyed by variable name. */
  redacted(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [cls, instance] of this.instances) {
      for (const b of envBindingsOf(cls)) {
        const value = (instance as Record<string, unknown>)[b.property];
        out[b.name] = b.secret && value !== undefined && value !== '' ? '[redacted]' : (value ?? null);
      }
    }
    return out;
  }
}
