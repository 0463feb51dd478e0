import { Logger } from '@nestjs/common';

const SOURCE_TIMEOUT_MS = 2000;

/**
 * A registry of named callbacks other modules fill at startup and this module
 * reads lazily. A source that throws or takes longer than 2 s is reported as
 * missing (null) for that read, never as an error of the caller.
 */
export class NamedSources<T> {
  private readonly logger = new Logger(this.constructor.name);
  private readonly sources = new Map<string, () => Promise<T> | T>();

  register(name: string, source: () => Promise<T> | T): void {
    this.sources.set(name, source);
  }

  unregister(name: string): void {
    this.sources.delete(name);
  }

  names(): string[] {
    return [...this.sources.keys()];
  }

  async read(name: string): Promise<T | null> {
    const source = this.sources.get(name);
    return source ? this.call(name, source) : null;
  }

  async readAll(): Promise<Record<string, T | null>> {
    const entries = await Promise.all(
      [...this.sources].map(async ([name, fn]) => [name, await this.call(name, fn)] as const),
    );
    return Object.fromEntries(entries);
  }

  private async call(name: string, fn: () => Promise<T> | T): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(fn),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), SOURCE_TIMEOUT_MS);
          timer.unref();
        }),
      ]);
    } catch (err) {
      this.logger.warn(`source '${name}' failed: ${(err as Error).message}`);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
