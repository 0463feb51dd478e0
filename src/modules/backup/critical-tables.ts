/** Tables whose rows a restore drill counts: losing any of them is an incident. */
export const CRITICAL_TABLES = [
  'organizations',
  'users',
  'api_keys',
  'audit_log',
  'sessions',
  'messages',
  'runs',
  'webhooks',
  'webhook_deliveries',
  'scheduled_tasks',
  'secrets',
  'data_keys',
] as const;

/** Row count per critical table; null when the table does not exist in that schema version. */
export type TableCounts = Record<string, number | null>;

export interface VerifyReport {
  file: string;
  format: 'pg_dump' | 'pglite';
  bytes: number;
  /** Applied migrations recorded in the backup, and the newest one. */
  migrations: number;
  latestMigration: string | null;
  counts: TableCounts;
  /** Critical tables absent from the backup (a schema older than this release). */
  missing: string[];
}

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** Counts the critical tables and reads the migrations table through any query function. */
export async function inspectDatabase(query: Query): Promise<Omit<VerifyReport, 'file' | 'format' | 'bytes'>> {
  const present = new Set(
    (await query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).map((r) => String(r.tablename)),
  );
  const counts: TableCounts = {};
  const missing: string[] = [];
  for (const table of CRITICAL_TABLES) {
    if (!present.has(table)) {
      counts[table] = null;
      missing.push(table);
      continue;
    }
    // Table names come from the constant list above, never from input.
    const [row] = await query(`SELECT count(*)::int AS n FROM "${table}"`);
    counts[table] = Number(row.n);
  }
  let migrations = 0;
  let latestMigration: string | null = null;
  if (present.has('migrations')) {
    const rows = await query(`SELECT name FROM migrations ORDER BY "timestamp" DESC, id DESC`);
    migrations = rows.length;
    latestMigration = rows.length ? String(rows[0].name) : null;
  }
  return { migrations, latestMigration, counts, missing };
}

/** One line per table, for the CLI. */
export function formatReport(report: VerifyReport): string {
  const lines = [
    `backup      ${report.file} (${report.format}, ${report.bytes} bytes)`,
    `migrations  ${report.migrations} applied, newest ${report.latestMigration ?? '-'}`,
  ];
  for (const [table, n] of Object.entries(report.counts)) {
    lines.push(`${table.padEnd(20)}${n === null ? 'absent' : n}`);
  }
  return lines.join('\n');
}
