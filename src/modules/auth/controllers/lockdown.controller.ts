import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { LockdownDto, LockdownView } from '../dto/lockdown.dto';
import { LockdownService } from '../services/lockdown.service';

@ApiTags('admin')
@Controller('api/admin/lockdown')
export class LockdownController {
  constructor(private readonly lockdown: LockdownService) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'Is the emergency lockdown active?' })
  @ApiOkResponse({ type: LockdownView })
  state(): Promise<LockdownView> {
    return this.lockdown.state();
  }

  @Post()
  @HttpCode(200)
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary:
      'Emergency lockdown: every non-admin mutating request answers 503 LOCKDOWN; webhooks and the scheduler pause. Survives restarts, holds on every replica',
  })
  @ApiOkResponse({ type: LockdownView })
  enable(@Body() dto: LockdownDto): Promise<LockdownView> {
    return this.lockdown.enable(dto.reason);
  }

  @Delete()
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Lift the emergency lockdown' })
  @ApiOkResponse({ type: LockdownView })
  disable(): Promise<LockdownView> {
    return this.lockdown.disable();
  }
}
