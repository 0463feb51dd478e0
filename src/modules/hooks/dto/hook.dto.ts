import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HookStatsView {
  @ApiProperty() runs: number;
  @ApiProperty({ description: 'Times the hook was skipped (timeout, crash, spawn_error, invalid_output)' })
  failures: number;
  @ApiPropertyOptional({ nullable: true, description: '{at, reason, event, detail}' }) last_failure: Record<
    string,
    unknown
  > | null;
}

export class HookView {
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true }) description: string | null;
  @ApiProperty({
    type: [String],
    enum: ['before_run', 'before_tool', 'after_tool', 'after_run'],
    isArray: true,
  })
  events: string[];
  @ApiProperty() command: string;
  @ApiProperty({ type: [String] }) args: string[];
  @ApiProperty() timeout_ms: number;
  @ApiProperty({ description: 'In force for your organization' }) enabled: boolean;
  @ApiProperty({ description: 'The manifest\'s "enabled"' }) enabled_by_default: boolean;
  @ApiProperty({ enum: ['manifest', 'operator'] }) state_source: string;
  @ApiPropertyOptional({ nullable: true }) updated_at: string | null;
  @ApiPropertyOptional({ nullable: true }) updated_by: string | null;
  @ApiProperty({ description: 'The hook directory (its working directory)' }) dir: string;
  @ApiProperty({ type: HookStatsView, description: 'Since this replica started' }) stats: HookStatsView;
}

export class ManifestProblemView {
  @ApiProperty() dir: string;
  @ApiProperty() error: string;
}

export class HooksListView {
  @ApiProperty({ type: [HookView] }) items: HookView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
  @ApiPropertyOptional({ nullable: true, description: 'HOOKS_DIR in use' }) hooks_dir: string | null;
  @ApiProperty({
    type: [ManifestProblemView],
    description: 'Hook directories skipped because their manifest is invalid',
  })
  manifest_errors: ManifestProblemView[];
}
