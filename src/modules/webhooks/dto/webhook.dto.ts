import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';
import { MAX_TEMPLATE_LENGTH } from '../processing/message-template';

const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;
// eslint-disable-next-line no-control-regex
const WEBHOOK_NAME = /^[^\x00-\x1f\x7f]{1,100}$/;

const TEMPLATE_DOC =
  'Message sent to the session per delivery. Placeholders: {{payload}} (raw body, fenced as external data), ' +
  '{{json.<path>}} (e.g. {{json.repository.full_name}}), {{headers.<name>}} (e.g. {{headers.x-github-event}}), ' +
  '{{webhook.name}}, {{webhook.id}}, {{delivery.id}}, {{received_at}}. Default: name, delivery id, time and the fenced payload.';
const SECRET_DOC =
  'HMAC-SHA256 secret (write-only; stored encrypted by the vault), or a `secret:<name>` reference to a vault secret. ' +
  'With a secret, ingest requires X-Hub-Signature-256 or X-Webhook-Signature: sha256=<hex>. null removes it.';

export class CreateWebhookDto {
  @ApiProperty({ example: 'github-ci' })
  @IsString()
  @Matches(WEBHOOK_NAME, { message: 'name must be 1-100 characters without control characters' })
  name: string;

  @ApiPropertyOptional({
    example: 'agent:main:ci',
    description: 'Target session (`agent:<agentId>:<name>`; a bare name means agent main)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  session_key?: string;

  @ApiPropertyOptional({
    example: 'main',
    description: 'Instead of session_key: the agent of the target session',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'agent_id must be 1-64 characters of a-z 0-9 _ - (starting with a letter or digit)',
  })
  agent_id?: string;

  @ApiPropertyOptional({ example: 'ci', description: 'With agent_id: the session name (default "main")' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  session_name?: string;

  @ApiPropertyOptional({ description: SECRET_DOC, writeOnly: true, nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Length(1, 1024)
  secret?: string | null;

  @ApiPropertyOptional({ description: 'Whether ingest accepts deliveries (created enabled unless false)' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: TEMPLATE_DOC, nullable: true, maxLength: MAX_TEMPLATE_LENGTH })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(MAX_TEMPLATE_LENGTH)
  message_template?: string | null;

  @ApiPropertyOptional({
    example: 'X-Gitlab-Signature',
    nullable: true,
    description:
      'Another header carrying sha256=<hex> (X-Hub-Signature-256 and X-Webhook-Signature always work)',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Matches(HEADER_NAME, {
    message: 'signature_header must be a header name (1-100 characters of A-Z a-z 0-9 -)',
  })
  signature_header?: string | null;
}

/** Every field of the create body, each optional; absent means unchanged. */
export class UpdateWebhookDto extends PartialType(CreateWebhookDto) {}

export class WebhookView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'agent:main:ci' }) session_key: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'Whether ingest requires a signature; the secret itself is never shown' })
  has_secret: boolean;
  @ApiProperty({ enum: ['sealed', 'reference', 'none'] }) secret_kind: 'sealed' | 'reference' | 'none';
  @ApiPropertyOptional({ nullable: true }) message_template: string | null;
  @ApiPropertyOptional({ nullable: true }) signature_header: string | null;
  @ApiProperty({ example: '/api/webhooks/4f9c…/ingest' }) ingest_path: string;
  @ApiPropertyOptional({ nullable: true }) created_by: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}
