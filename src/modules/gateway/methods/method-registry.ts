import { MethodDefinition, MethodProvider } from './method-definition';

/**
 * The bridge's method table: every definition under its canonical name and its
 * aliases. `hello-ok.features.methods` is read from here, so the advertised list
 * is always exactly what is implemented.
 */
export class MethodRegistry {
  private readonly byName = new Map<string, MethodDefinition>();
  private readonly canonical: string[] = [];

  constructor(providers: MethodProvider[]) {
    for (const provider of providers) for (const def of provider.methods()) this.add(def);
  }

  private add(def: MethodDefinition): void {
    for (const name of [def.name, ...(def.aliases ?? [])]) {
      if (this.byName.has(name)) throw new Error(`gateway method '${name}' is defined twice`);
      this.byName.set(name, def);
    }
    this.canonical.push(def.name);
  }

  get(name: string): MethodDefinition | undefined {
    return this.byName.get(name);
  }

  /** Canonical names first, in table order, then the aliases. */
  names(): string[] {
    const aliases = [...this.byName.keys()].filter((n) => !this.canonical.includes(n));
    return [...this.canonical, ...aliases];
  }

  definitions(): MethodDefinition[] {
    return this.canonical.map((n) => this.byName.get(n)!);
  }
}
