import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A device identity seen on the bridge: an Ed25519 key whose signature was
 * verified at `connect`. Kept for audit (which devices drive an organization).
 */
@Entity({ name: 'devices' })
@Index('devices_organization_id_device_id_key', ['organizationId', 'deviceId'], { unique: true })
export class Device {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('devices_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  /** Hex SHA-256 of the raw public key. */
  @Column({ type: 'text', name: 'device_id' })
  deviceId: string;

  /** Raw 32-byte Ed25519 key, base64url. */
  @Column({ type: 'text', name: 'public_key' })
  publicKey: string;

  @Column({ type: 'text', name: 'client_id' })
  clientId: string;

  @Column({ type: 'text', name: 'client_mode', nullable: true })
  clientMode: string | null;

  @Column({ type: 'text', nullable: true })
  platform: string | null;

  /** Who authenticated the last connect from this device, e.g. `api_key:cc_ab12…`. */
  @Column({ type: 'text', name: 'last_actor', nullable: true })
  lastActor: string | null;

  @Column({ type: 'text', name: 'last_ip', nullable: true })
  lastIp: string | null;

  @Column({ type: 'timestamptz', name: 'last_seen_at' })
  lastSeenAt: Date;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
