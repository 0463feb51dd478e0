/** Why a backup, verification or restore stopped; the CLI prints the message and exits 1. */
export class BackupError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export const BACKUP_ERRORS = {
  /** The embedded database is open in the running service. */
  DATA_DIR_IN_USE: 'BACKUP_DATA_DIR_IN_USE',
  /** The file is neither a pg_dump custom-format archive nor an embedded-database tarball. */
  UNKNOWN_FORMAT: 'BACKUP_UNKNOWN_FORMAT',
  /** A pg_dump archive needs PostgreSQL; an embedded tarball needs the embedded database. */
  WRONG_TARGET: 'BACKUP_WRONG_TARGET',
  TARGET_NOT_EMPTY: 'RESTORE_TARGET_NOT_EMPTY',
  SERVICE_CONNECTED: 'RESTORE_SERVICE_CONNECTED',
  TOOL_MISSING: 'BACKUP_TOOL_MISSING',
  TOOL_FAILED: 'BACKUP_TOOL_FAILED',
  NOT_FOUND: 'BACKUP_NOT_FOUND',
  /** Online backup over REST exists for the embedded database only. */
  USE_PG_DUMP: 'BACKUP_USE_PG_DUMP',
} as const;
