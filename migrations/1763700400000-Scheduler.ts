import { MigrationInterface, QueryRunner } from 'typeorm';

/** Scheduler: scheduled tasks, their run log, the dead-letter queue and the cluster-wide job leases. */
export class Scheduler1763700400000 implements MigrationInterface {
  name = 'Scheduler1763700400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "scheduled_tasks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "chat_id" text NOT NULL, "prompt" text NOT NULL, "schedule_type" text NOT NULL, "schedule_value" text NOT NULL, "timezone" text NOT NULL DEFAULT 'UTC', "next_run" TIMESTAMP WITH TIME ZONE, "status" text NOT NULL DEFAULT 'active', "run_count" integer NOT NULL DEFAULT '0', "max_runs" integer, "not_after" TIMESTAMP WITH TIME ZONE, "last_run" TIMESTAMP WITH TIME ZONE, "last_error" text, "locked_by" text, "locked_until" TIMESTAMP WITH TIME ZONE, "claim_token" uuid, "claimed_at" TIMESTAMP WITH TIME ZONE, "current_due_at" TIMESTAMP WITH TIME ZONE, "attempt" integer NOT NULL DEFAULT '0', "current_run_id" text, "replay_of" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_abc9348e8ae95b59b11a982ea87" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "scheduled_tasks_organization_id_idx" ON "scheduled_tasks"  ("organization_id")`);
    await q.query(`CREATE INDEX "scheduled_tasks_org_chat_idx" ON "scheduled_tasks"  ("organization_id", "chat_id")`);
    await q.query(`CREATE INDEX "scheduled_tasks_status_next_run_idx" ON "scheduled_tasks"  ("status", "next_run")`);
    await q.query(`CREATE TABLE "task_runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "task_id" uuid NOT NULL, "chat_id" text NOT NULL, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE NOT NULL, "duration_ms" integer NOT NULL, "success" boolean NOT NULL, "status" text NOT NULL, "summary" text, "error" text, "run_id" text, "attempt" integer NOT NULL DEFAULT '1', "replay_of" uuid, "recovered_by" uuid, "runner" text, CONSTRAINT "PK_52c37d0e12c4de37ae7bbff7850" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "task_runs_organization_id_idx" ON "task_runs"  ("organization_id")`);
    await q.query(`CREATE INDEX "task_runs_finished_at_idx" ON "task_runs"  ("finished_at")`);
    await q.query(`CREATE INDEX "task_runs_task_due_idx" ON "task_runs"  ("task_id", "due_at")`);
    await q.query(`CREATE INDEX "task_runs_due_at_idx" ON "task_runs"  ("due_at")`);
    await q.query(`CREATE INDEX "task_runs_org_task_started_idx" ON "task_runs"  ("organization_id", "task_id", "started_at")`);
    await q.query(`CREATE TABLE "task_dlq" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "task_id" uuid NOT NULL, "chat_id" text NOT NULL, "task_run_id" uuid, "failed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE NOT NULL, "duration_ms" integer NOT NULL, "error_summary" text NOT NULL, "status" text NOT NULL DEFAULT 'pending', "replayed_at" TIMESTAMP WITH TIME ZONE, "replay_note" text, "replay_attempts" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_ac1655c215f4f5760e217eaffee" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "task_dlq_organization_id_idx" ON "task_dlq"  ("organization_id")`);
    await q.query(`CREATE INDEX "task_dlq_status_idx" ON "task_dlq"  ("status")`);
    await q.query(`CREATE INDEX "task_dlq_org_task_idx" ON "task_dlq"  ("organization_id", "task_id")`);
    await q.query(`CREATE INDEX "task_dlq_org_chat_status_idx" ON "task_dlq"  ("organization_id", "chat_id", "status", "failed_at")`);
    await q.query(`CREATE TABLE "scheduler_jobs" ("name" text NOT NULL, "next_run_at" TIMESTAMP WITH TIME ZONE NOT NULL, "locked_by" text, "locked_until" TIMESTAMP WITH TIME ZONE, "last_started_at" TIMESTAMP WITH TIME ZONE, "last_run_at" TIMESTAMP WITH TIME ZONE, "last_duration_ms" integer, "last_count" integer, "last_error" text, "last_runner" text, "runs" integer NOT NULL DEFAULT '0', "failures" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_85ecf5df32f2c7aca041d483d05" PRIMARY KEY ("name"))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "scheduler_jobs"`);
    await q.query(`DROP INDEX "public"."task_dlq_org_chat_status_idx"`);
    await q.query(`DROP INDEX "public"."task_dlq_org_task_idx"`);
    await q.query(`DROP INDEX "public"."task_dlq_status_idx"`);
    await q.query(`DROP INDEX "public"."task_dlq_organization_id_idx"`);
    await q.query(`DROP TABLE "task_dlq"`);
    await q.query(`DROP INDEX "public"."task_runs_org_task_started_idx"`);
    await q.query(`DROP INDEX "public"."task_runs_due_at_idx"`);
    await q.query(`DROP INDEX "public"."task_runs_task_due_idx"`);
    await q.query(`DROP INDEX "public"."task_runs_finished_at_idx"`);
    await q.query(`DROP INDEX "public"."task_runs_organization_id_idx"`);
    await q.query(`DROP TABLE "task_runs"`);
    await q.query(`DROP INDEX "public"."scheduled_tasks_status_next_run_idx"`);
    await q.query(`DROP INDEX "public"."scheduled_tasks_org_chat_idx"`);
    await q.query(`DROP INDEX "public"."scheduled_tasks_organization_id_idx"`);
    await q.query(`DROP TABLE "scheduled_tasks"`);
  }
}
