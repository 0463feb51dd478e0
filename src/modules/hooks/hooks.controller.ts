import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { PageQuery } from '../../common/http/pagination';
import { HooksListView, HookView } from './dto/hook.dto';
import { HooksService } from './hooks.service';

@ApiTags('hooks')
@Controller('api/hooks')
export class HooksController {
  constructor(private readonly hooks: HooksService) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({
    summary:
      'Lifecycle hooks of HOOKS_DIR: events, command, timeout, enabled (for your organization), failures; plus invalid manifests',
  })
  @ApiOkResponse({ type: HooksListView })
  async list(@Query() query: PageQuery): Promise<HooksListView> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const all = await this.hooks.list();
    return {
      items: all.slice(offset, offset + limit),
      total: all.length,
      limit,
      offset,
      hooks_dir: this.hooks.dir ?? null,
      manifest_errors: this.hooks.manifestErrors(),
    };
  }

  @Get(':name')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'One hook' })
  @ApiOkResponse({ type: HookView })
  get(@Param('name') name: string): Promise<HookView> {
    return this.hooks.get(name);
  }

  @Post(':name/enable')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiOperation({
    summary: 'Enable a hook for your organization (persisted; overrides the manifest; audited)',
  })
  @ApiOkResponse({ type: HookView })
  enable(@Param('name') name: string): Promise<HookView> {
    return this.hooks.setEnabled(name, true);
  }

  @Post(':name/disable')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiOperation({
    summary: 'Disable a hook for your organization (persisted; takes effect on the next event; audited)',
  })
  @ApiOkResponse({ type: HookView })
  disable(@Param('name') name: string): Promise<HookView> {
    return this.hooks.setEnabled(name, false);
  }
}
