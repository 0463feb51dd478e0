import { Injectable } from '@nestjs/common';
import { ApprovalsService } from '../../subagents/approvals/approvals.service';
import { MethodDefinition, MethodProvider } from './method-definition';

/**
 * `exec.approval.resolve`: an operator's answer to an `exec.approval.requested`
 * event (ACP subagent permission requests), through ApprovalsService like
 * `POST /api/subagents/approvals/:id/resolve`.
 */
@Injectable()
export class ApprovalsMethods implements MethodProvider {
  constructor(private readonly approvals: ApprovalsService) {}

  methods(): MethodDefinition[] {
    return [
      {
        name: 'exec.approval.resolve',
        aliases: ['exec_approval_resolve'],
        scope: 'operator.approvals',
        mutating: true,
        handler: async (p) => {
          const id = p.requiredString('id', { max: 64 });
          const decision = p.requiredString('decision', { max: 20 });
          const resolved = await this.approvals.resolve(id, decision);
          return {
            ok: true,
            id: resolved.id,
            decision: resolved.status === 'approved' ? 'approve' : 'deny',
            status: resolved.status,
          };
        },
      },
    ];
  }
}
