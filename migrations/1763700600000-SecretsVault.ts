import { MigrationInterface, QueryRunner } from 'typeorm';

/** Secrets vault: per-organization data keys (wrapped by the master key) and encrypted secrets. */
export class SecretsVault1763700600000 implements MigrationInterface {
  name = 'SecretsVault1763700600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "data_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "wrapped_key" text NOT NULL, "master_key_id" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "rotated_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_data_keys_id" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "data_keys_organization_id_key" ON "data_keys" ("organization_id")`);
    await q.query(`CREATE INDEX "data_keys_master_key_id_idx" ON "data_keys" ("master_key_id")`);
    await q.query(`CREATE TABLE "secrets" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "name" text NOT NULL, "ciphertext" text NOT NULL, "data_key_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "rotated_at" TIMESTAMP WITH TIME ZONE, "last_read_at" TIMESTAMP WITH TIME ZONE, "last_read_by" text, "created_by" text, "updated_by" text, CONSTRAINT "PK_secrets_id" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "secrets_organization_id_name_key" ON "secrets" ("organization_id", "name")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."secrets_organization_id_name_key"`);
    await q.query(`DROP TABLE "secrets"`);
    await q.query(`DROP INDEX "public"."data_keys_master_key_id_idx"`);
    await q.query(`DROP INDEX "public"."data_keys_organization_id_key"`);
    await q.query(`DROP TABLE "data_keys"`);
  }
}
