import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequestContext } from '../../../common/context/request-context';
import { Errors } from '../../../common/errors/app-exception';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { AuthErrors } from '../auth.errors';
import { auditCsv, auditEntryView } from '../audit-csv';
import {
  AuditEntryView,
  AuditNoteDto,
  AuditQuery,
  AuditReviewDto,
  ChainVerificationView,
} from '../dto/audit.dto';
import { AuditService } from '../services/audit.service';

@ApiTags('audit')
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequireScopes('operator.admin')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary:
      'Search the audit log (actor, action prefix, outcome, since, until); format=csv exports with a header row',
  })
  async search(@Query() q: AuditQuery, @Res({ passthrough: true }) res: Response) {
    const since = q.since ? new Date(q.since) : undefined;
    const until = q.until ? new Date(q.until) : undefined;
    if (since && until && since > until)
      throw Errors.badRequest('INVALID_RANGE', 'since must not be after until');
    const csv = q.format === 'csv';
    const limit = q.limit ?? (csv ? 10_000 : 50);
    const offset = q.offset ?? 0;
    const [rows, total] = await this.audit.search({
      actor: q.actor,
      action: q.action,
      outcome: q.outcome,
      since,
      until,
      limit,
      offset,
    });
    const items = rows.map(auditEntryView);
    if (!csv) return { items, total, limit, offset };
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="audit-${new Date().toISOString().replace(/[:.]/g, '-')}.csv"`,
    );
    res.setHeader('X-Total-Count', String(total));
    res.setHeader('Cache-Control', 'no-store');
    return auditCsv(items);
  }

  @Get('verify')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Walk the hash chain (platform administrators): reports the first broken link' })
  @ApiOkResponse({ type: ChainVerificationView })
  verify(): Promise<ChainVerificationView> {
    // The chain spans every organization: verifying it is a platform-level act.
    if (!RequestContext.principal()?.platformAdmin) throw AuthErrors.platformAdminOnly();
    return this.audit.verify();
  }

  @Post('notes')
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Add an operator note to the audit trail (incident timeline)' })
  @ApiCreatedResponse({ type: AuditEntryView })
  async note(@Body() dto: AuditNoteDto): Promise<AuditEntryView> {
    const row = await this.audit.record({
      action: 'audit.note',
      target: dto.target,
      details: { message: dto.message },
    });
    return auditEntryView(row!);
  }

  @Post(':seq/review')
  @RequireScopes('operator.approvals')
  @ApiOperation({ summary: 'Sign off an audit entry as reviewed (approval; appends an audit.review row)' })
  @ApiCreatedResponse({ type: AuditEntryView })
  async review(@Param('seq') seq: string, @Body() dto: AuditReviewDto): Promise<AuditEntryView> {
    if (!/^[1-9][0-9]{0,17}$/.test(seq))
      throw Errors.badRequest('INVALID_SEQ', 'seq must be a positive integer');
    const entry = await this.audit.find(seq);
    if (!entry) throw Errors.notFound('audit entry', seq);
    const row = await this.audit.record({
      action: 'audit.review',
      target: `audit:${seq}`,
      details: { reviewed_action: entry.action, note: dto.note },
    });
    return auditEntryView(row!);
  }
}
