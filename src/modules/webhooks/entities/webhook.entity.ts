import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * An inbound webhook: where its deliveries go (a session) and how they are
 * authenticated (an HMAC secret, kept sealed by the vault, or a `secret:<name>`
 * reference to a vault secret resolved at use).
 */
@Entity({ name: 'webhooks' })
@Index('webhooks_organization_id_name_key', ['organizationId', 'name'], { unique: true })
export class Webhook {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('webhooks_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', name: 'session_key' })
  sessionKey: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** The secret sealed by VaultService.seal (never the plaintext). */
  @Column({ type: 'text', name: 'secret_sealed', nullable: true })
  secretSealed: string | null;

  /** A `secret:<name>` reference resolved through the vault at use. */
  @Column({ type: 'text', name: 'secret_ref', nullable: true })
  secretRef: string | null;

  @Column({ type: 'text', name: 'message_template', nullable: true })
  messageTemplate: string | null;

  /** Extra header carrying `sha256=<hex>`, besides X-Hub-Signature-256 and X-Webhook-Signature. */
  @Column({ type: 'text', name: 'signature_header', nullable: true })
  signatureHeader: string | null;

  @Column({ type: 'text', name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;

  get hasSecret(): boolean {
    return !!(this.secretSealed || this.secretRef);
  }
}
