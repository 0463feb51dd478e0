import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { Message } from './entities/message.entity';
import { ContentBlock } from './session.types';

/** Transcript entries of the current organization's sessions. */
@Injectable()
export class MessagesRepository {
  constructor(@InjectRepository(Message) private readonly repo: Repository<Message>) {}

  /** Appends one entry at the end of the transcript (seq = last + 1). */
  async append(
    sessionKey: string,
    role: string,
    content: ContentBlock[],
    runId: string | null,
  ): Promise<Message> {
    const orgId = RequestContext.organizationId();
    for (let attempt = 0; ; attempt++) {
      try {
        const rows = await this.repo.query(
          `INSERT INTO messages (organization_id, session_key, seq, role, content, run_id)
           SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4::jsonb, $5 FROM messages WHERE organization_id = $1 AND session_key = $2
           RETURNING id, seq, created_at`,
          [orgId, sessionKey, role, JSON.stringify(content), runId],
        );
        const row = rows[0];
        return Object.assign(new Message(), {
          id: row.id,
          organizationId: orgId,
          sessionKey,
          seq: row.seq,
          role,
          content,
          runId,
          createdAt: new Date(row.created_at),
        });
      } catch (err) {
        // Two writers raced for the same seq (unique index): take the next one.
        if ((err as any)?.driverError?.code !== '23505' || attempt >= 3) throw err;
      }
    }
  }

  count(sessionKey: string): Promise<number> {
    return this.repo.count({ where: { organizationId: RequestContext.organizationId(), sessionKey } });
  }

  /** Every entry in order (the model's context). */
  all(sessionKey: string): Promise<Message[]> {
    return this.repo.find({
      where: { organizationId: RequestContext.organizationId(), sessionKey },
      order: { seq: 'ASC' },
    });
  }

  /** The newest `limit` entries before seq `beforeSeq` (exclusive), oldest first. */
  async page(sessionKey: string, limit: number, beforeSeq?: number): Promise<Message[]> {
    const where = {
      organizationId: RequestContext.organizationId(),
      sessionKey,
      ...(beforeSeq !== undefined ? { seq: LessThan(beforeSeq) } : {}),
    };
    const rows = await this.repo.find({ where, order: { seq: 'DESC' }, take: limit });
    return rows.reverse();
  }

  /** Copies entries 1..upToSeq of one session into another (fork). */
  async copy(fromKey: string, toKey: string, upToSeq: number): Promise<void> {
    await this.repo.query(
      `INSERT INTO messages (organization_id, session_key, seq, role, content, run_id, created_at)
       SELECT organization_id, $3, seq, role, content, NULL, created_at FROM messages
       WHERE organization_id = $1 AND session_key = $2 AND seq <= $4 ORDER BY seq`,
      [RequestContext.organizationId(), fromKey, toKey, upToSeq],
    );
  }

  async deleteSession(sessionKey: string): Promise<void> {
    await this.repo.delete({ organizationId: RequestContext.organizationId(), sessionKey });
  }
}
