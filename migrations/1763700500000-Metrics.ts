import { MigrationInterface, QueryRunner } from 'typeorm';

/** metrics_history (per-replica cumulative points) and metrics_alert_states (SLO/threshold alert levels). */
export class Metrics1763700500000 implements MigrationInterface {
  name = 'Metrics1763700500000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "metrics_history" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "replica_id" text NOT NULL, "captured_at" TIMESTAMP WITH TIME ZONE NOT NULL, "interval_s" integer NOT NULL, "process_started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "counters" jsonb NOT NULL DEFAULT '{}', "histograms" jsonb NOT NULL DEFAULT '{}', "gauges" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_48680506fe97855c531d0eee4bb" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "metrics_history_organization_id_replica_id_captured_at_idx" ON "metrics_history"  ("organization_id", "replica_id", "captured_at") `,
    );
    await q.query(
      `CREATE INDEX "metrics_history_organization_id_captured_at_idx" ON "metrics_history"  ("organization_id", "captured_at") `,
    );
    await q.query(
      `CREATE TABLE "metrics_alert_states" ("organization_id" uuid NOT NULL, "name" text NOT NULL, "level" text NOT NULL, "value" double precision, "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1682c561624da43e918006d7b8f" PRIMARY KEY ("organization_id", "name"))`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "metrics_alert_states"`);
    await q.query(`DROP INDEX "public"."metrics_history_organization_id_captured_at_idx"`);
    await q.query(`DROP INDEX "public"."metrics_history_organization_id_replica_id_captured_at_idx"`);
    await q.query(`DROP TABLE "metrics_history"`);
  }
}
