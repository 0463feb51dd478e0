import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../common/guards/scopes.decorator';
import { page, PageQuery } from '../../common/http/pagination';
import { DeliveriesService } from './deliveries.service';
import { DeliveryDetailView, DeliveryQuery, DeliveryView, IngestAcceptedView } from './dto/delivery.dto';
import { CreateWebhookDto, UpdateWebhookDto, WebhookView } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const uuid = () => new ParseUUIDPipe();

@ApiTags('webhooks')
@Controller('api/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Get()
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'List the webhooks of your organization (has_secret only, never the secret)' })
  async list(@Query() query: PageQuery) {
    const [items, total] = await this.webhooks.list(query.limit ?? 50, query.offset ?? 0);
    return page(items, total, query);
  }

  @Post()
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Create a webhook: target session, optional HMAC secret (write-only), message template' })
  @ApiCreatedResponse({ type: WebhookView })
  create(@Body() dto: CreateWebhookDto): Promise<WebhookView> {
    return this.webhooks.create(dto);
  }

  @Get(':id')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'One webhook' })
  @ApiOkResponse({ type: WebhookView })
  get(@Param('id', uuid()) id: string): Promise<WebhookView> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Change a webhook (enable/disable, target, template, signature header; secret: new value or null)' })
  @ApiOkResponse({ type: WebhookView })
  update(@Param('id', uuid()) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookView> {
    return this.webhooks.update(id, dto);
  }

  @Delete(':id')
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Delete a webhook and its delivery history' })
  delete(@Param('id', uuid()) id: string) {
    return this.webhooks.delete(id);
  }

  @Get(':id/deliveries')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'Deliveries of a webhook, newest first: status, attempts, error, run id (filter by status and time)' })
  @ApiOkResponse({ type: DeliveryView, isArray: true, description: '{items, total, limit, offset}' })
  async deliveriesOf(@Param('id', uuid()) id: string, @Query() query: DeliveryQuery) {
    const [items, total] = await this.deliveries.list(id, query);
    return page(items, total, query);
  }

  @Get(':id/deliveries/:delivery_id')
  @RequireScopes('operator.read')
  @ApiOperation({ summary: 'One delivery with its stored headers (minus signatures and credentials) and payload' })
  @ApiOkResponse({ type: DeliveryDetailView })
  delivery(@Param('id', uuid()) id: string, @Param('delivery_id', uuid()) deliveryId: string): Promise<DeliveryDetailView> {
    return this.deliveries.get(id, deliveryId);
  }

  @Post(':id/deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @RequireScopes('operator.write')
  @ApiOperation({ summary: 'Queue a copy of a delivered or failed delivery (new delivery id, new run)' })
  @ApiAcceptedResponse({ type: IngestAcceptedView })
  redeliver(@Param('id', uuid()) id: string, @Param('delivery_id', uuid()) deliveryId: string) {
    return this.deliveries.redeliver(id, deliveryId);
  }
}
