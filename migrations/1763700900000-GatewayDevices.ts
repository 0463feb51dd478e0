import { MigrationInterface, QueryRunner } from 'typeorm';

/** Device identities verified on the WebSocket bridge (Ed25519 keys, last seen). */
export class GatewayDevices1763700900000 implements MigrationInterface {
  name = 'GatewayDevices1763700900000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "devices" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "device_id" text NOT NULL, "public_key" text NOT NULL, "client_id" text NOT NULL, "client_mode" text, "platform" text, "last_actor" text, "last_ip" text, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b1514758245c12daf43486dd1f0" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "devices_organization_id_idx" ON "devices"  ("organization_id")`);
    await q.query(`CREATE UNIQUE INDEX "devices_organization_id_device_id_key" ON "devices"  ("organization_id", "device_id")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."devices_organization_id_device_id_key"`);
    await q.query(`DROP INDEX "public"."devices_organization_id_idx"`);
    await q.query(`DROP TABLE "devices"`);
  }
}
