import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../../common/http/pagination';
import { DELIVERY_STATUSES, DeliveryStatus } from '../entities/webhook-delivery.entity';

export class DeliveryQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES as unknown as string[], { message: `status must be one of: ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;

  @ApiPropertyOptional({ description: 'Only deliveries received at or after this time (ISO 8601)' })
  @IsOptional()
  @IsDateString({}, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ description: 'Only deliveries received before this time (ISO 8601)' })
  @IsOptional()
  @IsDateString({}, { message: 'until must be an ISO 8601 date-time' })
  until?: string;
}

export class DeliveryView {
  @ApiProperty() id: string;
  @ApiProperty() webhook_id: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty({ description: 'Attempts made to start the run' }) attempts: number;
  @ApiPropertyOptional({ nullable: true }) idempotency_key: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Last failure (retried until WEBHOOK_MAX_ATTEMPTS)' }) error: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'The run the delivery started in its session' }) run_id: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'How that run ended, once it did' }) run_status: string | null;
  @ApiProperty() payload_bytes: number;
  @ApiPropertyOptional({ nullable: true }) source_ip: string | null;
  @ApiPropertyOptional({ nullable: true }) redelivery_of: string | null;
  @ApiProperty() received_at: string;
  @ApiPropertyOptional({ nullable: true, description: 'When the next attempt is due (accepted deliveries)' }) next_attempt_at: string | null;
  @ApiPropertyOptional({ nullable: true }) processed_at: string | null;
}

export class DeliveryDetailView extends DeliveryView {
  @ApiProperty({ description: 'Request headers minus signatures, Authorization and cookies' }) headers: Record<string, string>;
  @ApiProperty({ enum: ['utf8', 'base64'] }) payload_encoding: 'utf8' | 'base64';
  @ApiProperty() payload: string;
}

export class IngestAcceptedView {
  @ApiProperty() delivery_id: string;
  @ApiPropertyOptional({ description: 'true when this idempotency key was seen before (200, no second run)' }) duplicate?: boolean;
}
