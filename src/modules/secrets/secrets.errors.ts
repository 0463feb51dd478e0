import { AppException } from '../../common/errors/app-exception';

export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/** Names that collide with fixed routes under /api/secrets. */
export const RESERVED_SECRET_NAMES = new Set(['lock']);

function shown(name: string): string {
  const clipped = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return JSON.stringify(clipped);
}

export const SecretsErrors = {
  invalidName: (name: string) =>
    new AppException(
      400,
      'SECRET_NAME_INVALID',
      `secret name ${shown(name)} is invalid: use 1-128 characters of A-Z a-z 0-9 _ . -`,
      { field: 'name' },
    ),
  reservedName: (name: string) =>
    new AppException(400, 'SECRET_NAME_RESERVED', `secret name ${shown(name)} is reserved (it is a route under /api/secrets)`, {
      field: 'name',
    }),
  notFound: (name: string) => new AppException(404, 'SECRET_NOT_FOUND', `secret ${shown(name)} not found in this organization`),
  tooLarge: (bytes: number, limit: number) =>
    new AppException(413, 'SECRET_TOO_LARGE', `value is ${bytes} bytes; the limit is ${limit} (SECRETS_MAX_VALUE_BYTES)`, {
      field: 'value',
    }),
  locked: (scope: 'organization' | 'global') =>
    new AppException(
      423,
      'VAULT_LOCKED',
      scope === 'global'
        ? 'the vault is locked for every organization: no secret can be decrypted until a platform administrator unlocks it (DELETE /api/secrets/lock {"scope":"global"})'
        : 'the vault of this organization is locked: no secret can be decrypted until an administrator unlocks it (DELETE /api/secrets/lock)',
      { lock_scope: scope },
    ),
  unconfigured: () =>
    new AppException(
      503,
      'VAULT_UNCONFIGURED',
      'the secrets vault has no master key: set ENCRYPTION_KEY (64 hex characters, e.g. openssl rand -hex 32) and restart',
    ),
  tampered: (what: string) =>
    new AppException(
      500,
      'SECRET_TAMPERED',
      `${what} failed authentication: its ciphertext was modified or moved; restore it from a backup or write it again`,
    ),
  masterKeyMissing: (masterKeyId: string, held: string[]) =>
    new AppException(
      503,
      'VAULT_MASTER_KEY_MISSING',
      `this data key is wrapped with master key ${masterKeyId}, which this process does not hold (it holds ${held.join(', ') || 'none'}); set ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS to that key`,
    ),
  invalidSealed: () => new AppException(400, 'SEALED_VALUE_INVALID', 'not a value produced by VaultService.seal'),
  globalNeedsPlatformAdmin: () =>
    new AppException(403, 'PLATFORM_ADMIN_REQUIRED', 'only administrators of the platform organization lock or unlock the vault globally'),
  unlockNeedsAdmin: () => new AppException(403, 'MISSING_SCOPE', 'missing scope: operator.admin (unlocking the vault)', {
    missing_scope: 'operator.admin',
    required_scopes: ['operator.admin'],
  }),
};
