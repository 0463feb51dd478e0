import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { page, PageQuery } from '../../../common/http/pagination';
import { CreateUserDto, RevokeAllView, UpdateUserDto, UserView } from '../dto/user.dto';
import { RevocationService } from '../services/revocation.service';
import { UsersService } from '../services/users.service';

@ApiTags('auth')
@Controller('api/auth/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly revocation: RevocationService,
  ) {}

  @Get()
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'List the users of your organization' })
  async list(@Query() query: PageQuery) {
    const [items, total] = await this.users.list(query.limit ?? 50, query.offset ?? 0);
    return page(items, total, query);
  }

  @Post()
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary: 'Create a user (role admin → operator.admin, operator → write + approvals, viewer → read)',
  })
  @ApiCreatedResponse({ type: UserView })
  create(@Body() dto: CreateUserDto): Promise<UserView> {
    return this.users.create(dto);
  }

  @Get(':id')
  @RequireScopes('operator.admin')
  @ApiOperation({ summary: 'One user of your organization' })
  @ApiOkResponse({ type: UserView })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserView> {
    return this.users.get(id);
  }

  @Patch(':id')
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary: 'Change role, disable (revokes every credential) or reset the password (ends sessions)',
  })
  @ApiOkResponse({ type: UserView })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateUserDto): Promise<UserView> {
    return this.users.update(id, dto);
  }

  @Post(':id/revoke-all')
  @HttpCode(200)
  @RequireScopes('operator.admin')
  @ApiOperation({
    summary:
      'INC-002: every API key, browser session and agent token of the user dies at once; their sockets close',
  })
  @ApiOkResponse({ type: RevokeAllView })
  revokeAll(@Param('id', new ParseUUIDPipe()) id: string): Promise<RevokeAllView> {
    return this.revocation.revokeAllOfUser(id);
  }
}
