import { MigrationInterface, QueryRunner } from 'typeorm';

/** Organizations, settings, users, browser sessions, API keys, agent tokens and the audit log. */
export class Foundation1763700000000 implements MigrationInterface {
  name = 'Foundation1763700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "agent_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "token_id" text NOT NULL, "secret_hash" text NOT NULL, "agent_id" text NOT NULL, "label" text NOT NULL, "user_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "last_heartbeat_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_bb0efa1218b9454920a6d7e2500" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "agent_tokens_organization_id_idx" ON "agent_tokens"  ("organization_id")`);
    await q.query(`CREATE UNIQUE INDEX "agent_tokens_token_id_key" ON "agent_tokens"  ("token_id")`);
    await q.query(`CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "key_id" text NOT NULL, "secret_hash" text NOT NULL, "label" text NOT NULL, "scopes" text array NOT NULL, "user_id" uuid, "bootstrap" boolean NOT NULL DEFAULT false, "rotated_from_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "api_keys_organization_id_idx" ON "api_keys"  ("organization_id")`);
    await q.query(`CREATE UNIQUE INDEX "api_keys_key_id_key" ON "api_keys"  ("key_id")`);
    await q.query(`CREATE TABLE "audit_log" ("seq" bigint NOT NULL, "organization_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor" text NOT NULL, "action" text NOT NULL, "target" text, "outcome" text NOT NULL, "ip" text, "request_id" text, "details" jsonb NOT NULL DEFAULT '{}', "prev_hash" text NOT NULL, "hash" text NOT NULL, CONSTRAINT "PK_ce5b9b7d945cab0a6c604bafd9e" PRIMARY KEY ("seq"))`);
    await q.query(`CREATE INDEX "audit_log_org_created_idx" ON "audit_log"  ("organization_id", "created_at")`);
    await q.query(`CREATE TABLE "browser_sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, "secret_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "ip" text, "user_agent" text, CONSTRAINT "PK_62bb0057d5bf51b68d790563ba3" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "browser_sessions_organization_id_idx" ON "browser_sessions"  ("organization_id")`);
    await q.query(`CREATE INDEX "browser_sessions_user_id_idx" ON "browser_sessions"  ("user_id")`);
    await q.query(`CREATE TABLE "organizations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "slug" text NOT NULL, "name" text NOT NULL, "platform" boolean NOT NULL DEFAULT false, "disabled" boolean NOT NULL DEFAULT false, "locked_at" TIMESTAMP WITH TIME ZONE, "locked_reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_963693341bd612aa01ddf3a4b68" UNIQUE ("slug"), CONSTRAINT "PK_6b031fcd0863e3f6b44230163f9" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "settings" ("key" text NOT NULL, "value" jsonb NOT NULL, "updated_by" text, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c8639b7626fa94ba8265628f214" PRIMARY KEY ("key"))`);
    await q.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "email" text NOT NULL, "password_hash" text NOT NULL, "role" text NOT NULL, "disabled" boolean NOT NULL DEFAULT false, "password_changed_at" TIMESTAMP WITH TIME ZONE, "last_login_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "users_organization_id_idx" ON "users"  ("organization_id")`);
    await q.query(`CREATE UNIQUE INDEX "users_email_key" ON "users"  ("email")`);
    // The platform organization every single-team install uses without thinking about it.
    await q.query(`INSERT INTO "organizations" ("slug", "name", "platform") VALUES ('default', 'Default', true)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."users_email_key"`);
    await q.query(`DROP INDEX "public"."users_organization_id_idx"`);
    await q.query(`DROP TABLE "users"`);
    await q.query(`DROP TABLE "settings"`);
    await q.query(`DROP TABLE "organizations"`);
    await q.query(`DROP INDEX "public"."browser_sessions_user_id_idx"`);
    await q.query(`DROP INDEX "public"."browser_sessions_organization_id_idx"`);
    await q.query(`DROP TABLE "browser_sessions"`);
    await q.query(`DROP INDEX "public"."audit_log_org_created_idx"`);
    await q.query(`DROP TABLE "audit_log"`);
    await q.query(`DROP INDEX "public"."api_keys_key_id_key"`);
    await q.query(`DROP INDEX "public"."api_keys_organization_id_idx"`);
    await q.query(`DROP TABLE "api_keys"`);
    await q.query(`DROP INDEX "public"."agent_tokens_token_id_key"`);
    await q.query(`DROP INDEX "public"."agent_tokens_organization_id_idx"`);
    await q.query(`DROP TABLE "agent_tokens"`);
  }
}
