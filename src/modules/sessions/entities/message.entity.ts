import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One transcript entry; `content` is an array of content blocks ({type:'text', text}, tool_call, tool_result). */
@Entity({ name: 'messages' })
@Index('messages_org_session_seq_key', ['organizationId', 'sessionKey', 'seq'], { unique: true })
export class Message {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('messages_organization_id_idx')
  @Column({ type: 'uuid', name: 'organization_id' })
  organizationId: string;

  @Column({ type: 'text', name: 'session_key' })
  sessionKey: string;

  /** Position in the transcript, from 1. */
  @Column({ type: 'integer' })
  seq: number;

  /** user | assistant | tool | system */
  @Column({ type: 'text' })
  role: string;

  @Column({ type: 'jsonb' })
  content: Record<string, unknown>[];

  @Column({ type: 'uuid', name: 'run_id', nullable: true })
  runId: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
