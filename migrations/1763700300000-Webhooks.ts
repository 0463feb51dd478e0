import { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhooks and their durable delivery queue. */
export class Webhooks1763700300000 implements MigrationInterface {
  name = 'Webhooks1763700300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "webhooks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "name" text NOT NULL, "session_key" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "secret_sealed" text, "secret_ref" text, "message_template" text, "signature_header" text, "created_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9e8795cfc899ab7bdaa831e8527" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "webhooks_organization_id_idx" ON "webhooks"  ("organization_id")`);
    await q.query(`CREATE UNIQUE INDEX "webhooks_organization_id_name_key" ON "webhooks"  ("organization_id", "name")`);
    await q.query(`CREATE TABLE "webhook_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "webhook_id" uuid NOT NULL, "idempotency_key" text, "status" text NOT NULL DEFAULT 'accepted', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "locked_by" text, "locked_until" TIMESTAMP WITH TIME ZONE, "last_error" text, "run_id" text, "run_status" text, "headers" jsonb NOT NULL DEFAULT '{}', "payload" bytea NOT NULL, "payload_bytes" integer NOT NULL, "source_ip" text, "redelivery_of" uuid, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "webhook_deliveries_organization_id_idx" ON "webhook_deliveries"  ("organization_id")`);
    await q.query(`CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"  ("status", "next_attempt_at")`);
    await q.query(`CREATE INDEX "webhook_deliveries_webhook_id_received_at_idx" ON "webhook_deliveries"  ("webhook_id", "received_at")`);
    await q.query(`CREATE UNIQUE INDEX "webhook_deliveries_webhook_id_idempotency_key_key" ON "webhook_deliveries"  ("webhook_id", "idempotency_key")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."webhook_deliveries_webhook_id_idempotency_key_key"`);
    await q.query(`DROP INDEX "public"."webhook_deliveries_webhook_id_received_at_idx"`);
    await q.query(`DROP INDEX "public"."webhook_deliveries_status_next_attempt_at_idx"`);
    await q.query(`DROP INDEX "public"."webhook_deliveries_organization_id_idx"`);
    await q.query(`DROP TABLE "webhook_deliveries"`);
    await q.query(`DROP INDEX "public"."webhooks_organization_id_name_key"`);
    await q.query(`DROP INDEX "public"."webhooks_organization_id_idx"`);
    await q.query(`DROP TABLE "webhooks"`);
  }
}
