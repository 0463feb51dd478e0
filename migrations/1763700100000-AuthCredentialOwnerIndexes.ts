import { MigrationInterface, QueryRunner } from 'typeorm';

/** Revoke-all finds every API key and agent token of a user by index, not by scanning. */
export class AuthCredentialOwnerIndexes1763700100000 implements MigrationInterface {
  name = 'AuthCredentialOwnerIndexes1763700100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "api_keys_user_id_idx" ON "api_keys"  ("user_id")`);
    await q.query(`CREATE INDEX "agent_tokens_user_id_idx" ON "agent_tokens"  ("user_id")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."agent_tokens_user_id_idx"`);
    await q.query(`DROP INDEX "public"."api_keys_user_id_idx"`);
  }
}
