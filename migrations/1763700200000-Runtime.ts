import { MigrationInterface, QueryRunner } from 'typeorm';

/** Agents, sessions, transcripts (messages) and runs; the built-in `main` agent for existing organizations. */
export class Runtime1763700200000 implements MigrationInterface {
  name = 'Runtime1763700200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "agents" ("organization_id" uuid NOT NULL, "id" text NOT NULL, "name" text NOT NULL, "system_prompt" text, "provider" jsonb NOT NULL, "tools" text array NOT NULL DEFAULT '{}', "run_timeout_secs" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3c7cafd03e58a97cfbc443da6ef" PRIMARY KEY ("organization_id", "id"))`,
    );
    await q.query(`CREATE INDEX "agents_organization_id_idx" ON "agents"  ("organization_id")`);
    await q.query(
      `CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "key" text NOT NULL, "agent_id" text NOT NULL, "name" text NOT NULL, "label" text, "thinking_level" text, "verbose_level" text, "reasoning_level" text, "model" text, "parent_key" text, "fork_point" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_run_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "sessions_organization_id_idx" ON "sessions"  ("organization_id")`);
    await q.query(`CREATE INDEX "sessions_org_updated_idx" ON "sessions"  ("organization_id", "updated_at")`);
    await q.query(`CREATE INDEX "sessions_org_parent_idx" ON "sessions"  ("organization_id", "parent_key")`);
    await q.query(`CREATE UNIQUE INDEX "sessions_org_key_key" ON "sessions"  ("organization_id", "key")`);
    await q.query(
      `CREATE TABLE "messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "session_key" text NOT NULL, "seq" integer NOT NULL, "role" text NOT NULL, "content" jsonb NOT NULL, "run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_18325f38ae6de43878487eff986" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "messages_organization_id_idx" ON "messages"  ("organization_id")`);
    await q.query(
      `CREATE UNIQUE INDEX "messages_org_session_seq_key" ON "messages"  ("organization_id", "session_key", "seq")`,
    );
    await q.query(
      `CREATE TABLE "runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "session_key" text NOT NULL, "status" text NOT NULL, "source" text NOT NULL, "source_ref" text, "idempotency_key" text, "input" jsonb NOT NULL, "timeout_ms" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "error" text, "usage" jsonb, "lease_owner" text, "lease_expires_at" TIMESTAMP WITH TIME ZONE, "abort_requested_at" TIMESTAMP WITH TIME ZONE, "event_seq" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_46d6a1e257c38ba58f1a3c30836" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "runs_organization_id_idx" ON "runs"  ("organization_id")`);
    await q.query(`CREATE INDEX "runs_status_lease_idx" ON "runs"  ("status", "lease_expires_at")`);
    await q.query(
      `CREATE UNIQUE INDEX "runs_one_running_per_session_key" ON "runs"  ("organization_id", "session_key") WHERE status = 'running'`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "runs_org_session_idempotency_key" ON "runs"  ("organization_id", "session_key", "idempotency_key")`,
    );
    await q.query(
      `CREATE INDEX "runs_org_session_created_idx" ON "runs"  ("organization_id", "session_key", "created_at")`,
    );
    // The built-in echo agent `main`, so agent:main:main works from the first boot (other organizations get it lazily).
    await q.query(
      `INSERT INTO "agents" ("organization_id", "id", "name", "provider") SELECT "id", 'main', 'Main', '{"type":"echo"}'::jsonb FROM "organizations" ON CONFLICT DO NOTHING`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."runs_org_session_created_idx"`);
    await q.query(`DROP INDEX "public"."runs_org_session_idempotency_key"`);
    await q.query(`DROP INDEX "public"."runs_one_running_per_session_key"`);
    await q.query(`DROP INDEX "public"."runs_status_lease_idx"`);
    await q.query(`DROP INDEX "public"."runs_organization_id_idx"`);
    await q.query(`DROP TABLE "runs"`);
    await q.query(`DROP INDEX "public"."messages_org_session_seq_key"`);
    await q.query(`DROP INDEX "public"."messages_organization_id_idx"`);
    await q.query(`DROP TABLE "messages"`);
    await q.query(`DROP INDEX "public"."sessions_org_key_key"`);
    await q.query(`DROP INDEX "public"."sessions_org_parent_idx"`);
    await q.query(`DROP INDEX "public"."sessions_org_updated_idx"`);
    await q.query(`DROP INDEX "public"."sessions_organization_id_idx"`);
    await q.query(`DROP TABLE "sessions"`);
    await q.query(`DROP INDEX "public"."agents_organization_id_idx"`);
    await q.query(`DROP TABLE "agents"`);
  }
}
