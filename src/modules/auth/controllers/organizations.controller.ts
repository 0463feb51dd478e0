import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { page, PageQuery } from '../../../common/http/pagination';
import {
  CreatedOrganizationView,
  CreateOrganizationDto,
  LockOrganizationDto,
  OrganizationView,
  UpdateOrganizationDto,
} from '../dto/organization.dto';
import { OrganizationsService } from '../services/organizations.service';

@ApiTags('orgs')
@Controller('api/orgs')
export class OrganizationsController {
  constructor(private readonly orgs: OrganizationsService) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'Organizations: all of them for platform administrators, else only your own' })
  async list(@Query() query: PageQuery) {
    const [items, total] = await this.orgs.list(query.limit ?? 50, query.offset ?? 0);
    return page(items, total, query);
  }

  @Get(':id')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary: 'One organization (another organization answers 404 unless you are a platform administrator)',
  })
  @ApiOkResponse({ type: OrganizationView })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrganizationView> {
    return this.orgs.get(id);
  }

  @Post()
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary: 'Create an organization (platform administrators); returns its first operator.admin key once',
  })
  @ApiCreatedResponse({ type: CreatedOrganizationView })
  create(@Body() dto: CreateOrganizationDto): Promise<CreatedOrganizationView> {
    return this.orgs.create(dto);
  }

  @Patch(':id')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Rename or disable an organization (platform administrators)' })
  @ApiOkResponse({ type: OrganizationView })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateOrganizationDto,
  ): Promise<OrganizationView> {
    return this.orgs.update(id, dto);
  }

  @Post(':id/lock')
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary:
      'Lock an organization: its keys, sessions, agent tokens and webhooks answer 423 ORG_LOCKED at once',
  })
  @ApiCreatedResponse({ type: OrganizationView })
  lock(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: LockOrganizationDto,
  ): Promise<OrganizationView> {
    return this.orgs.lock(id, dto.reason);
  }

  @Delete(':id/lock')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'Unlock an organization: its credentials work again' })
  @ApiOkResponse({ type: OrganizationView })
  unlock(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrganizationView> {
    return this.orgs.unlock(id);
  }
}
