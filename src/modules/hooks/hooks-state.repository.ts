import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { HookState } from './entities/hook-state.entity';

/** Enabled/disabled overrides of hooks, per organization. */
@Injectable()
export class HooksStateRepository {
  constructor(@InjectRepository(HookState) private readonly repo: Repository<HookState>) {}

  /** Overrides of an organization (the run path passes the run's organization explicitly). */
  allOf(organizationId: string): Promise<HookState[]> {
    return this.repo.find({ where: { organizationId } });
  }

  async set(name: string, enabled: boolean, updatedBy: string): Promise<HookState> {
    const organizationId = RequestContext.organizationId();
    await this.repo
      .createQueryBuilder()
      .insert()
      .into(HookState)
      .values({ organizationId, name, enabled, updatedBy })
      .orUpdate(['enabled', 'updated_by', 'updated_at'], ['organization_id', 'name'])
      .execute();
    return (await this.repo.findOne({ where: { organizationId, name } }))!;
  }
}
