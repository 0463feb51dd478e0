import { Injectable, Logger } from '@nestjs/common';

export type WarningSeverity = 'low' | 'medium' | 'high';
export type RiskLevel = 'none' | WarningSeverity;

export interface SelfCheckWarning {
  /** Stable UPPER_SNAKE code, e.g. SESSION_SECRET_UNSET. */
  code: string;
  severity: WarningSeverity;
  message: string;
  /** What the operator should do about it. */
  fix: string;
}

/** One named check: returns the warnings it finds ([] when all is well). Must not throw secrets into messages. */
export interface SelfCheck {
  name: string;
  run(): SelfCheckWarning[] | Promise<SelfCheckWarning[]>;
}

export interface SelfCheckReport {
  risk_level: RiskLevel;
  warning_count: number;
  warnings: SelfCheckWarning[];
  checked_at: string;
  checks: string[];
}

const RANK: Record<WarningSeverity, number> = { low: 1, medium: 2, high: 3 };

/**
 * The configuration self-check behind GET /api/config/self_check. Modules add
 * their own checks (`register`) at init: webhooks without secrets, a locked
 * vault, bad MCP fragments, …
 */
@Injectable()
export class SelfCheckService {
  private readonly logger = new Logger('SelfCheck');
  private readonly checks = new Map<string, SelfCheck>();

  /** Adds (or replaces, by name) a check. */
  register(check: SelfCheck): void {
    this.checks.set(check.name, check);
  }

  async run(): Promise<SelfCheckReport> {
    const all: SelfCheckWarning[] = [];
    for (const check of this.checks.values()) {
      try {
        all.push(...(await check.run()));
      } catch (err) {
        this.logger.warn(`self-check '${check.name}' failed: ${(err as Error).message}`);
        all.push({
          code: 'SELF_CHECK_FAILED',
          severity: 'low',
          message: `the '${check.name}' check could not run`,
          fix: 'look at the service log for the reason',
        });
      }
    }
    // One warning per code (two modules may watch the same thing), highest severity first.
    const byCode = new Map<string, SelfCheckWarning>();
    for (const w of all) {
      const seen = byCode.get(w.code);
      if (!seen || RANK[w.severity] > RANK[seen.severity]) byCode.set(w.code, w);
    }
    const warnings = [...byCode.values()].sort(
      (a, b) => RANK[b.severity] - RANK[a.severity] || a.code.localeCompare(b.code),
    );
    const top = warnings[0]?.severity;
    return {
      risk_level: top ?? 'none',
      warning_count: warnings.length,
      warnings,
      checked_at: new Date().toISOString(),
      checks: [...this.checks.keys()],
    };
  }
}
