import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { Memory } from './entities/memory.entity';

export interface MemorySearch {
  query?: string;
  tags?: string[];
  limit: number;
}

/** Structured memories in PostgreSQL, scoped to the caller's organization and a chat. */
@Injectable()
export class MemoriesRepository {
  constructor(@InjectRepository(Memory) private readonly repo: Repository<Memory>) {}

  insert(chatKey: string, content: string, tags: string[]): Promise<Memory> {
    return this.repo.save(
      this.repo.create({ organizationId: RequestContext.organizationId(), chatKey, content, tags }),
    );
  }

  search(chatKey: string, s: MemorySearch): Promise<Memory[]> {
    const qb = this.repo
      .createQueryBuilder('m')
      .where('m.organization_id = :org AND m.chat_key = :chat', {
        org: RequestContext.organizationId(),
        chat: chatKey,
      })
      .orderBy('m.updated_at', 'DESC')
      .limit(s.limit);
    if (s.query)
      qb.andWhere(`m.content ILIKE :q ESCAPE '\\'`, {
        q: `%${s.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
      });
    if (s.tags?.length) qb.andWhere('m.tags && :tags', { tags: s.tags });
    return qb.getMany();
  }

  find(chatKey: string, id: string): Promise<Memory | null> {
    return this.repo.findOne({ where: { organizationId: RequestContext.organizationId(), chatKey, id } });
  }

  async update(
    chatKey: string,
    id: string,
    patch: { content?: string; tags?: string[] },
  ): Promise<Memory | null> {
    const row = await this.find(chatKey, id);
    if (!row) return null;
    if (patch.content !== undefined) row.content = patch.content;
    if (patch.tags !== undefined) row.tags = patch.tags;
    return this.repo.save(row);
  }

  async delete(chatKey: string, id: string): Promise<boolean> {
    const res = await this.repo.delete({ organizationId: RequestContext.organizationId(), chatKey, id });
    return (res.affected ?? 0) > 0;
  }
}
