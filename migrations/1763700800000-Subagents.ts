import { MigrationInterface, QueryRunner } from 'typeorm';

/** ACP subagents: the process side of subagent runs, their event log, and pending operator approvals. */
export class Subagents1763700800000 implements MigrationInterface {
  name = 'Subagents1763700800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "subagent_runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "run_id" uuid, "session_key" text NOT NULL, "parent_session_key" text, "target" text, "command" text NOT NULL, "workspace" text, "pid" integer, "status" text NOT NULL, "exit_code" integer, "exit_signal" text, "stderr_tail" text, "result_text" text, "error" text, "announced_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_e1b147c591aeeaad53293339568" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "subagent_runs_organization_id_idx" ON "subagent_runs"  ("organization_id")`);
    await q.query(
      `CREATE INDEX "subagent_runs_org_session_idx" ON "subagent_runs"  ("organization_id", "session_key")`,
    );
    await q.query(
      `CREATE INDEX "subagent_runs_org_run_idx" ON "subagent_runs"  ("organization_id", "run_id")`,
    );
    await q.query(
      `CREATE INDEX "subagent_runs_org_created_idx" ON "subagent_runs"  ("organization_id", "created_at")`,
    );
    await q.query(
      `CREATE TABLE "subagents_log" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "subagent_run_id" uuid NOT NULL, "run_id" uuid, "seq" integer NOT NULL, "kind" text NOT NULL, "summary" text NOT NULL, "data" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3bc45436835b1601f5c9fdf7118" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "subagents_log_organization_id_idx" ON "subagents_log"  ("organization_id")`);
    await q.query(
      `CREATE UNIQUE INDEX "subagents_log_org_run_seq_key" ON "subagents_log"  ("organization_id", "subagent_run_id", "seq")`,
    );
    await q.query(
      `CREATE TABLE "subagent_approvals" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "subagent_run_id" uuid NOT NULL, "run_id" uuid, "session_key" text NOT NULL, "tool_call" jsonb NOT NULL, "options" jsonb NOT NULL, "status" text NOT NULL, "decided_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "decided_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_11abff370fe7d5f4414a2951bea" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "subagent_approvals_organization_id_idx" ON "subagent_approvals"  ("organization_id")`,
    );
    await q.query(
      `CREATE INDEX "subagent_approvals_org_status_created_idx" ON "subagent_approvals"  ("organization_id", "status", "created_at")`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "subagent_approvals"`);
    await q.query(`DROP TABLE "subagents_log"`);
    await q.query(`DROP TABLE "subagent_runs"`);
  }
}
