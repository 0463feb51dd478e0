import { ConfigValidationError, loadConfigClasses } from '../../config/config-loader';
import { SecretsConfig } from './secrets.config';

const HEX = 'ab'.repeat(32);
const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfigClasses([SecretsConfig], env);
    return [];
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
};

describe('SecretsConfig', () => {
  it('accepts no key (embedded key file / unconfigured), a hex key, and a base64 key', () => {
    expect(problemsOf({})).toEqual([]);
    expect(problemsOf({ ENCRYPTION_KEY: HEX })).toEqual([]);
    expect(problemsOf({ ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'), ENCRYPTION_KEY_PREVIOUS: HEX })).toEqual([]);
  });

  it('names each bad variable, says how to generate a key, and never echoes the value', () => {
    const problems = problemsOf({ ENCRYPTION_KEY: 'not-a-real-key', ENCRYPTION_KEY_PREVIOUS: 'also-bad', SECRETS_MAX_VALUE_BYTES: '0' });
    expect(problems).toEqual([
      expect.stringMatching(/^SECRETS_MAX_VALUE_BYTES: /),
      expect.stringMatching(/^ENCRYPTION_KEY: must be 64 hex characters or base64 of 32 bytes .*openssl rand -hex 32/),
      expect.stringMatching(/^ENCRYPTION_KEY_PREVIOUS: must be 64 hex characters/),
    ]);
    expect(problems.join('\n')).not.toContain('not-a-real-key');
    expect(problems.join('\n')).not.toContain('also-bad');
  });

  it('refuses ENCRYPTION_KEY_PREVIOUS without ENCRYPTION_KEY', () => {
    expect(problemsOf({ ENCRYPTION_KEY_PREVIOUS: HEX })).toEqual([expect.stringMatching(/^ENCRYPTION_KEY_PREVIOUS: set only together with ENCRYPTION_KEY/)]);
  });
});
