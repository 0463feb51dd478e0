import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { MAIN_AGENT_ID } from './agent.types';
import { Agent } from './entities/agent.entity';

@Injectable()
export class AgentsRepository {
  constructor(@InjectRepository(Agent) private readonly repo: Repository<Agent>) {}

  list(): Promise<Agent[]> {
    return this.repo.find({
      where: { organizationId: RequestContext.organizationId() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  findById(id: string): Promise<Agent | null> {
    return this.repo.findOne({ where: { organizationId: RequestContext.organizationId(), id } });
  }

  /** Inserts the agent; false when one with that id already exists. */
  async insert(values: Omit<Agent, 'organizationId' | 'createdAt' | 'updatedAt'>): Promise<boolean> {
    const rows: unknown[] = await this.repo.query(
      `INSERT INTO agents (organization_id, id, name, system_prompt, provider, tools, run_timeout_secs)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
      [
        RequestContext.organizationId(),
        values.id,
        values.name,
        values.systemPrompt,
        JSON.stringify(values.provider),
        values.tools,
        values.runTimeoutSecs,
      ],
    );
    return rows.length > 0;
  }

  save(agent: Agent): Promise<Agent> {
    return this.repo.save(agent);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete({ organizationId: RequestContext.organizationId(), id });
    return (result.affected ?? 0) > 0;
  }

  /** The built-in echo agent `main` of the current organization (idempotent). */
  async ensureMain(): Promise<void> {
    await this.repo.query(
      `INSERT INTO agents (organization_id, id, name, provider) VALUES ($1, $2, 'Main', '{"type":"echo"}'::jsonb) ON CONFLICT DO NOTHING`,
      [RequestContext.organizationId(), MAIN_AGENT_ID],
    );
  }
}
