import { AuditEntryView } from './dto/audit.dto';
import { AuditEntry } from './entities/audit-entry.entity';

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'created_at',
  'organization_id',
  'actor',
  'action',
  'target',
  'outcome',
  'ip',
  'request_id',
  'details',
  'prev_hash',
  'hash',
] as const;

export function auditEntryView(e: AuditEntry): AuditEntryView {
  return {
    seq: String(e.seq),
    created_at: new Date(e.createdAt).toISOString(),
    organization_id: e.organizationId,
    actor: e.actor,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    ip: e.ip,
    request_id: e.requestId,
    details: e.details ?? {},
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

/**
 * One RFC 4180 field: quoted when it holds a comma, quote or line break.
 * Values a spreadsheet would run as a formula (= + - @ tab CR) get a leading
 * apostrophe, so an exported attacker-chosen email cannot execute.
 */
export function csvField(value: unknown): string {
  let s =
    value === null || value === undefined
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function auditCsv(rows: AuditEntryView[]): string {
  const lines = [AUDIT_CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(AUDIT_CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}
