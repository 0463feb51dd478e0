import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RUN_STATUSES, RunView } from '../run.types';

export class RunResponse {
  @ApiProperty() id: string;
  @ApiProperty() session_key: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
  @ApiProperty({ example: 'rest' }) source: string;
  @ApiPropertyOptional({ nullable: true }) source_ref: string | null;
  @ApiPropertyOptional({ nullable: true }) idempotency_key: string | null;
  @ApiPropertyOptional({
    nullable: true,
    description: 'Why the run failed, timed out or was aborted (never secrets)',
  })
  error: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Tokens: {input_tokens, output_tokens, total_tokens}' })
  usage: Record<string, number> | null;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true }) started_at: string | null;
  @ApiPropertyOptional({ nullable: true }) finished_at: string | null;
  @ApiPropertyOptional({ nullable: true }) timeout_ms: number | null;
}

export function toRunResponse(r: RunView): RunResponse {
  return {
    id: r.id,
    session_key: r.sessionKey,
    status: r.status,
    source: r.source,
    source_ref: r.sourceRef,
    idempotency_key: r.idempotencyKey,
    error: r.error,
    usage: r.usage
      ? {
          ...(r.usage.inputTokens !== undefined ? { input_tokens: r.usage.inputTokens } : {}),
          ...(r.usage.outputTokens !== undefined ? { output_tokens: r.usage.outputTokens } : {}),
          ...(r.usage.totalTokens !== undefined ? { total_tokens: r.usage.totalTokens } : {}),
        }
      : null,
    created_at: r.createdAt,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    timeout_ms: r.timeoutMs,
  };
}
