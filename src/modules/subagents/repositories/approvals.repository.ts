import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { RequestContext } from '../../../common/context/request-context';
import { ApprovalStatus, SubagentApproval } from '../entities/subagent-approval.entity';

/** Permission requests waiting for operators (subagent_approvals) of the current organization. */
@Injectable()
export class ApprovalsRepository {
  constructor(@InjectRepository(SubagentApproval) private readonly repo: Repository<SubagentApproval>) {}

  insert(
    values: Pick<
      SubagentApproval,
      'subagentRunId' | 'runId' | 'sessionKey' | 'toolCall' | 'options' | 'expiresAt'
    >,
  ): Promise<SubagentApproval> {
    return this.repo.save(
      this.repo.create({ ...values, organizationId: RequestContext.organizationId(), status: 'pending' }),
    );
  }

  findById(id: string): Promise<SubagentApproval | null> {
    return this.repo.findOne({ where: { id, organizationId: RequestContext.organizationId() } });
  }

  /** Pending and not yet expired, oldest first. */
  listPending(limit: number, offset: number): Promise<[SubagentApproval[], number]> {
    return this.repo.findAndCount({
      where: {
        organizationId: RequestContext.organizationId(),
        status: 'pending',
        expiresAt: MoreThan(new Date()),
      },
      order: { createdAt: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  /** Moves a pending request to its outcome; false when it was no longer pending (someone else decided first). */
  async decide(id: string, status: Exclude<ApprovalStatus, 'pending'>, decidedBy: string): Promise<boolean> {
    const result = await this.repo.update(
      { id, organizationId: RequestContext.organizationId(), status: 'pending' },
      { status, decidedBy, decidedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }
}
