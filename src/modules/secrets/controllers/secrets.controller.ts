import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { page, PageQuery } from '../../../common/http/pagination';
import { DeletedSecretView, PutSecretDto, SecretView, VaultLockDto, VaultLockStatusView, VaultUnlockDto } from '../dto/secret.dto';
import { SecretsService } from '../services/secrets.service';
import { VaultLockService, VaultLockStatus } from '../services/vault-lock.service';

@ApiTags('secrets')
@Controller('api/secrets')
export class SecretsController {
  constructor(
    private readonly secrets: SecretsService,
    private readonly lock: VaultLockService,
  ) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'List the secrets of your organization (metadata only, never values)' })
  async list(@Query() query: PageQuery) {
    const [items, total] = await this.secrets.list(query.limit ?? 50, query.offset ?? 0);
    return page(items, total, query);
  }

  // The lock routes come before /:name so "lock" is never taken for a secret name (it is reserved).
  @Get('lock')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'Vault lock state of your organization and of the platform' })
  @ApiOkResponse({ type: VaultLockStatusView })
  lockStatus(): Promise<VaultLockStatus> {
    return this.lock.status();
  }

  @Post('lock')
  @HttpCode(200)
  @RequireScopes('operator.write')
  @ApiOperation({
    summary: 'Lock the vault: nothing decrypts until unlocked (runs needing a secret fail with 423 VAULT_LOCKED)',
    description: 'scope "organization" (default) locks your organization; "global" locks every organization and needs a platform administrator. Survives restarts, holds on every replica, audited.',
  })
  @ApiBody({ type: VaultLockDto, required: false })
  @ApiOkResponse({ type: VaultLockStatusView })
  lockVault(@Body() dto: VaultLockDto): Promise<VaultLockStatus> {
    return this.lock.lock(dto?.scope ?? 'organization', dto?.reason);
  }

  @Delete('lock')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Unlock the vault (admin; "global" needs a platform administrator); audited' })
  @ApiBody({ type: VaultUnlockDto, required: false })
  @ApiOkResponse({ type: VaultLockStatusView })
  unlockVault(@Body() dto: VaultUnlockDto): Promise<VaultLockStatus> {
    return this.lock.unlock(dto?.scope ?? 'organization');
  }

  @Get(':name')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'Metadata of one secret (created, rotated, last read and by whom); never the value' })
  @ApiOkResponse({ type: SecretView })
  get(@Param('name') name: string): Promise<SecretView> {
    return this.secrets.get(name);
  }

  @Put(':name')
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary: 'Create (201) or replace (200, rotated_at set) a secret; answers metadata, never the value',
    description: 'Name: 1-128 of A-Z a-z 0-9 _ . - ("lock" is reserved). Use it elsewhere as "secret:<name>".',
  })
  @ApiCreatedResponse({ type: SecretView })
  @ApiOkResponse({ type: SecretView })
  async put(@Param('name') name: string, @Body() dto: PutSecretDto, @Res({ passthrough: true }) res: Response): Promise<SecretView> {
    const { view, created } = await this.secrets.put(name, dto.value);
    res.status(created ? 201 : 200);
    return view;
  }

  @Delete(':name')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Delete a secret; references to it then fail with SECRET_NOT_FOUND' })
  @ApiOkResponse({ type: DeletedSecretView })
  delete(@Param('name') name: string): Promise<DeletedSecretView> {
    return this.secrets.delete(name);
  }
}
