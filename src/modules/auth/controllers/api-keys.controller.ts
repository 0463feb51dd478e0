import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { page, PageQuery } from '../../../common/http/pagination';
import { ApiKeyView, CreatedApiKeyView, CreateApiKeyDto } from '../dto/api-key.dto';
import { ApiKeysService } from '../services/api-keys.service';

@ApiTags('auth')
@Controller('api/auth/api_keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'List API keys of your organization (prefix, scopes, usage; never the secret)' })
  async list(@Query() query: PageQuery) {
    const [items, total] = await this.keys.list(query.limit ?? 50, query.offset ?? 0);
    return page(items, total, query);
  }

  @Post()
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Create an API key; the secret is in the response once' })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    return this.keys.create(dto);
  }

  @Delete(':id')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once, open WebSockets close' })
  @ApiOkResponse({ type: ApiKeyView })
  revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<ApiKeyView> {
    return this.keys.revoke(id);
  }

  @Post(':id/rotate')
  @HttpCode(201)
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Replace the secret; the old key dies at once' })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  rotate(@Param('id', new ParseUUIDPipe()) id: string): Promise<CreatedApiKeyView> {
    return this.keys.rotate(id);
  }
}
