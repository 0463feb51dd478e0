import { DatabaseConfig } from '../config/database.config';
import { EmbeddedPostgres } from './embedded-postgres';

/** Where the service's database is: the configured PostgreSQL, or an embedded one it started. */
export interface DatabaseEndpoint {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
  /** Embedded only: a consistent gzipped tarball of the PGlite data directory (backups). */
  dumpDataDir?: () => Promise<Blob>;
}

export async function openDatabaseEndpoint(db: DatabaseConfig): Promise<DatabaseEndpoint> {
  if (db.url) return { url: db.url, embedded: false, stop: async () => {} };
  return embeddedEndpoint(await EmbeddedPostgres.start(db.dataDir));
}

export function embeddedEndpoint(embedded: EmbeddedPostgres): DatabaseEndpoint {
  return { url: embedded.url, embedded: true, stop: () => embedded.stop(), dumpDataDir: embedded.dumpDataDir };
}
