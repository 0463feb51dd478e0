import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { Webhook } from './entities/webhook.entity';

/** Webhook definitions of the current organization (one unscoped lookup, for the public ingest route). */
@Injectable()
export class WebhooksRepository {
  constructor(@InjectRepository(Webhook) private readonly repo: Repository<Webhook>) {}

  list(limit: number, offset: number): Promise<[Webhook[], number]> {
    return this.repo.findAndCount({
      where: { organizationId: RequestContext.organizationId() },
      order: { createdAt: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  findById(id: string): Promise<Webhook | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  /** Ingest is public: the webhook id names the organization. */
  findByIdForIngest(id: string): Promise<Webhook | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** For workers, which act for the delivery's organization. */
  findByIdInOrganization(id: string, organizationId: string): Promise<Webhook | null> {
    return this.repo.findOne({ where: { id, organizationId } });
  }

  insert(values: Partial<Webhook>): Promise<Webhook> {
    return this.repo.save(this.repo.create({ ...values, organizationId: RequestContext.organizationId() }));
  }

  save(webhook: Webhook): Promise<Webhook> {
    return this.repo.save(webhook);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete({ id, organizationId: RequestContext.organizationId() });
    return (result.affected ?? 0) > 0;
  }

  /** Enabled webhooks of the current organization that accept unsigned requests. */
  listEnabledWithoutSecret(): Promise<Webhook[]> {
    return this.repo.find({
      where: { organizationId: RequestContext.organizationId(), enabled: true, secretSealed: IsNull(), secretRef: IsNull() },
      order: { createdAt: 'ASC' },
    });
  }
}
