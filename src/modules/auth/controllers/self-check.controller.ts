import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../../common/guards/scopes.decorator';
import { SelfCheckReport, SelfCheckService } from '../self-check/self-check.service';

@ApiTags('config')
@Controller('api/config')
export class SelfCheckController {
  constructor(private readonly selfCheck: SelfCheckService) {}

  @Get('self_check')
  @RequireScopes('operator.read')
  @ApiOperation({
    summary:
      'Deployment safety review: risk_level and warnings (code, severity, message, fix); shows no secret',
  })
  @ApiOkResponse({
    schema: {
      example: {
        risk_level: 'medium',
        warning_count: 1,
        warnings: [
          {
            code: 'ADMIN_API_KEY_ACTIVE',
            severity: 'medium',
            message: 'the ADMIN_API_KEY bootstrap key is still active',
            fix: '…',
          },
        ],
      },
    },
  })
  run(): Promise<SelfCheckReport> {
    return this.selfCheck.run();
  }
}
