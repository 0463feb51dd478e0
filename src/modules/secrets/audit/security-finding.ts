export type FindingSeverity = 'high' | 'medium' | 'low' | 'info';

/** One finding of `clawcontrol security audit`. Never carries a secret value. */
export interface SecurityFinding {
  /** Stable UPPER_SNAKE code, e.g. SECRET_TAMPERED. */
  code: string;
  severity: FindingSeverity;
  /** What is affected, e.g. `org:default/secret:OPENAI_API_KEY` or `env:GITHUB_TOKEN`. */
  target: string;
  message: string;
  /** What the operator should do. */
  fix: string;
  /** The organization concerned, for organization-scoped views (self-check); absent for deployment-wide findings. */
  organizationId?: string;
}

/** A check other modules may add (e.g. MCP config fragments): returns its findings. */
export interface SecurityAuditCheck {
  name: string;
  run(): Promise<SecurityFinding[]> | SecurityFinding[];
}

export const SEVERITY_RANK: Record<FindingSeverity, number> = { info: 0, low: 1, medium: 2, high: 3 };

/** High and medium findings make the audit fail (non-zero exit). */
export function isProblem(f: SecurityFinding): boolean {
  return SEVERITY_RANK[f.severity] >= SEVERITY_RANK.medium;
}
