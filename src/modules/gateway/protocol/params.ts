import { GatewayErrors } from './gateway-error';

const MAX_KEY_LENGTH = 512;
const MAX_SHORT_STRING = 4096;

export interface StringRule {
  max?: number;
  allowEmpty?: boolean;
}

/**
 * Reads the params of one method call. Unknown params are ignored (real
 * clients send more than the table lists); a known param with a wrong type or
 * value fails with INVALID_REQUEST naming it.
 */
export class Params {
  private readonly values: Record<string, unknown>;

  constructor(
    readonly method: string,
    params: unknown,
  ) {
    if (params === undefined || params === null) this.values = {};
    else if (typeof params === 'object' && !Array.isArray(params)) this.values = params as Record<string, unknown>;
    else throw GatewayErrors.invalidParams(method, 'params must be an object');
  }

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.values, name) && this.values[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.has(name) ? this.values[name] : undefined;
  }

  fail(problem: string): never {
    throw GatewayErrors.invalidParams(this.method, problem);
  }

  requiredString(name: string, rule: StringRule = {}): string {
    const value = this.optionalString(name, rule);
    if (value === undefined) this.fail(`${name} is required`);
    return value;
  }

  optionalString(name: string, rule: StringRule = {}): string | undefined {
    if (!this.has(name)) return undefined;
    return this.checkString(name, this.values[name], rule);
  }

  /** A string, `null` (clear the field) or absent. */
  nullableString(name: string, rule: StringRule = {}): string | null | undefined {
    if (!this.has(name)) return undefined;
    if (this.values[name] === null) return null;
    return this.checkString(name, this.values[name], rule);
  }

  optionalInt(name: string, min: number, max: number): number | undefined {
    if (!this.has(name)) return undefined;
    const value = this.values[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(`${name} must be an integer between ${min} and ${max}`);
    }
    return value;
  }

  optionalBoolean(name: string): boolean | undefined {
    if (!this.has(name)) return undefined;
    const value = this.values[name];
    if (typeof value !== 'boolean') this.fail(`${name} must be a boolean`);
    return value;
  }

  /** `sessionKey`, `key` or `session_key` (the first present), as the protocol allows. */
  sessionKey(required = true): string | undefined {
    for (const name of ['sessionKey', 'key', 'session_key']) {
      if (this.has(name)) return this.checkString(name, this.values[name], { max: MAX_KEY_LENGTH });
    }
    if (required) this.fail('sessionKey is required (also accepted as key or session_key)');
    return undefined;
  }

  private checkString(name: string, value: unknown, rule: StringRule): string {
    const max = rule.max ?? MAX_SHORT_STRING;
    if (typeof value !== 'string') this.fail(`${name} must be a string`);
    if (!rule.allowEmpty && value.trim().length === 0) this.fail(`${name} must not be empty`);
    if (value.length > max) this.fail(`${name} is too long (at most ${max} characters)`);
    return value;
  }
}
