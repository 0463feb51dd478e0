import { MigrationInterface, QueryRunner } from 'typeorm';

/** Structured memories (memory backend) and per-organization hook enable/disable state. */
export class McpHooksMemory1763700700000 implements MigrationInterface {
  name = 'McpHooksMemory1763700700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "memories" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "chat_key" text NOT NULL, "content" text NOT NULL, "tags" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_aaa0692d9496fe827b0568612f8" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "memories_organization_id_idx" ON "memories"  ("organization_id") `);
    await q.query(
      `CREATE INDEX "memories_organization_id_chat_key_updated_at_idx" ON "memories"  ("organization_id", "chat_key", "updated_at") `,
    );
    await q.query(
      `CREATE TABLE "hooks_state" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "name" text NOT NULL, "enabled" boolean NOT NULL, "updated_by" text, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7283ae0001d4022cec5a54537eb" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "hooks_state_organization_id_idx" ON "hooks_state"  ("organization_id") `);
    await q.query(
      `CREATE UNIQUE INDEX "hooks_state_organization_id_name_key" ON "hooks_state"  ("organization_id", "name") `,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."hooks_state_organization_id_name_key"`);
    await q.query(`DROP INDEX "public"."hooks_state_organization_id_idx"`);
    await q.query(`DROP TABLE "hooks_state"`);
    await q.query(`DROP INDEX "public"."memories_organization_id_chat_key_updated_at_idx"`);
    await q.query(`DROP INDEX "public"."memories_organization_id_idx"`);
    await q.query(`DROP TABLE "memories"`);
  }
}
