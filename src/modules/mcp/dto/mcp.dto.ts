import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsObject, IsOptional, Max, Min } from 'class-validator';

export class CallMcpToolDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { text: 'hello' },
    description: "The tool's arguments (a JSON object)",
  })
  @IsObject({ message: 'arguments must be a JSON object' })
  arguments: Record<string, unknown>;

  @ApiPropertyOptional({
    minimum: 0.001,
    maximum: 3600,
    description:
      "Time budget of this call; default tool_timeout_overrides.mcp.<server>.<tool>, else the server's MCP request timeout (which also caps it)",
  })
  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'timeout_secs must be a number of seconds' },
  )
  @Min(0.001)
  @Max(3600)
  timeout_secs?: number;
}

export class McpToolCallView {
  @ApiProperty() server: string;
  @ApiProperty() tool: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'MCP content items ({type: "text", text}, …)',
  })
  content: unknown[];
  @ApiProperty({ description: 'true when the tool reported an error (the call itself reached the server)' })
  is_error: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) structured_content?: unknown;
  @ApiProperty() duration_ms: number;
}

export class McpCircuitView {
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] }) state: string;
  @ApiProperty() consecutive_failures: number;
  @ApiProperty({ description: 'Times the circuit opened since the server was (re)configured' }) opens: number;
  @ApiProperty({ description: 'Seconds until an open circuit admits its trial call' })
  retry_after_secs: number;
  @ApiPropertyOptional({ nullable: true }) last_opened_at: string | null;
}

export class McpServerView {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['stdio', 'streamable_http'] }) transport: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty() connected: boolean;
  @ApiProperty({ enum: ['connecting', 'connected', 'disconnected', 'closed', 'disabled'] }) state: string;
  @ApiPropertyOptional({ description: 'streamable_http: the endpoint (credentials and query removed)' })
  endpoint?: string;
  @ApiPropertyOptional({ description: 'stdio: the command (arguments not shown)' }) command?: string;
  @ApiProperty({ type: [String], description: 'Organization slugs that see it; empty = all' })
  organizations: string[];
  @ApiProperty({ type: [String], description: 'MCP tool names' }) tools: string[];
  @ApiProperty({ type: [String], description: 'Names in the agent tool registry (mcp.<server>.<tool>)' })
  registered_tools: string[];
  @ApiProperty({ type: McpCircuitView }) circuit: McpCircuitView;
  @ApiProperty() in_flight: number;
  @ApiProperty() queued: number;
  @ApiProperty({ description: '{count, limit, resets_at} of the current 60 s rate window' }) window: Record<
    string,
    unknown
  >;
  @ApiProperty({ description: 'calls, ok, errors, timeouts, rate_limited, bulkhead, circuit_open' })
  counters: Record<string, number>;
  @ApiProperty({ description: 'The guardrail knobs in force' }) limits: Record<string, number>;
  @ApiProperty() request_timeout_secs: number;
  @ApiPropertyOptional({ nullable: true }) last_error: string | null;
  @ApiPropertyOptional({ nullable: true }) last_error_at: string | null;
  @ApiPropertyOptional({ nullable: true }) connected_at: string | null;
  @ApiProperty({ type: [String], description: 'Config files that defined it, in merge order' })
  sources: string[];
}

export class McpConfigProblemView {
  @ApiProperty() file: string;
  @ApiPropertyOptional() server?: string;
  @ApiProperty() error: string;
}

export class McpServersListView {
  @ApiProperty({ type: [McpServerView] }) items: McpServerView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
  @ApiPropertyOptional({ nullable: true, description: 'MCP_CONFIG_DIR in use' }) config_dir: string | null;
  @ApiProperty({ type: [String] }) config_files: string[];
  @ApiProperty({
    type: [McpConfigProblemView],
    description: 'Files or servers skipped because they are invalid',
  })
  config_errors: McpConfigProblemView[];
  @ApiProperty({
    type: [McpConfigProblemView],
    description: 'Tolerated problems (unknown keys, unknown organizations)',
  })
  config_warnings: McpConfigProblemView[];
}

export class McpReloadView {
  @ApiProperty({ type: [String] }) servers: string[];
  @ApiProperty({ type: [String] }) added: string[];
  @ApiProperty({ type: [String] }) removed: string[];
  @ApiProperty({ type: [String] }) changed: string[];
  @ApiProperty({ type: [String] }) unchanged: string[];
  @ApiProperty({ type: [McpConfigProblemView] }) config_errors: McpConfigProblemView[];
  @ApiProperty({ type: [McpConfigProblemView] }) config_warnings: McpConfigProblemView[];
  @ApiPropertyOptional({
    nullable: true,
    description: 'TOOLS_CONFIG_FILE could not be used: the previous settings stay',
  })
  tools_config_error: string | null;
}
