import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { EnvVar } from './env-var.decorator';

export class DatabaseConfig {
  @EnvVar({
    name: 'DATABASE_URL',
    doc: 'postgres://user:pass@host:5432/db. Unset = embedded PostgreSQL (PGlite) under DATA_DIR',
    secret: true,
  })
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' })
  url?: string;

  @EnvVar({
    name: 'DATA_DIR',
    doc: 'Directory of the embedded database (only without DATABASE_URL); memory:// keeps it in memory',
    default: './data',
  })
  @IsString()
  dataDir: string;

  @EnvVar({ name: 'DB_POOL_SIZE', doc: 'Connections per replica (embedded mode always uses 1)', default: '10' })
  @IsInt()
  @Min(1)
  @Max(200)
  poolSize: number;

  @EnvVar({ name: 'DB_AUTO_MIGRATE', doc: 'Apply pending migrations at boot under an advisory lock', default: 'true' })
  @IsBoolean()
  autoMigrate: boolean;

  @EnvVar({ name: 'DB_CONNECT_TIMEOUT_MS', doc: 'Give up a connection attempt after this long', default: '5000' })
  @IsInt()
  @Min(100)
  connectTimeoutMs: number;

  @EnvVar({ name: 'DB_STATEMENT_TIMEOUT_MS', doc: 'Server-side statement timeout (0 = none)', default: '30000' })
  @IsInt()
  @Min(0)
  statementTimeoutMs: number;

  get embedded(): boolean {
    return !this.url;
  }
}
