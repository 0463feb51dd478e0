import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One structured memory of a chat (session), written by the remember / structured_memory_* tools. */
@Entity({ name: 'memories' })
@Index('memories_organization_id_chat_key_updated_at_idx', ['organizationId', 'chatKey', 'updatedAt'])
export class Memory {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('memories_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  /** The session key (`agent:<agent>:<name>`) the memory belongs to. */
  @Column({ type: 'text', name: 'chat_key' })
  chatKey: string;

  @Column({ type: 'text' })
  content: string;

  @Column({ type: 'text', array: true })
  tags: string[];

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
