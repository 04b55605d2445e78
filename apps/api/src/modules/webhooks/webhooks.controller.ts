import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Webhook, WebhookDelivery, WebhookTestResult } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { badRequest } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';
import { CreateWebhookDto, UpdateWebhookDto } from './webhook-request.dto';
import { WebhooksService } from './webhooks.service';

const PAGE_DEFAULT = 50;
const PAGE_MAX = 200;

/**
 * [ext] Webhooks (issue 20): a directory's (Manage Feed there) or global ones (Administer), their
 * deliveries with every attempt, a redelivery and a test event. Deliveries are made in the
 * background from the transactional outbox, never on these routes' path.
 */
@ApiTags('Webhooks')
@Controller('api/webhooks')
@Access.directory()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Answers(201, 'Webhook')
  @Post()
  @HttpCode(201)
  create(@Actor() actor: Principal, @Body() body: CreateWebhookDto): Promise<Webhook> {
    return this.webhooks.create(actor, {
      url: body.url,
      events: body.events,
      feed: body.feed ?? null,
      secret: body.secret,
      active: body.active ?? undefined,
    });
  }

  @Answers(200, ['Webhook'])
  @QueryParam('feed', "A directory's webhooks (Manage Feed there); without it, every webhook you may manage.")
  @Get()
  list(@Actor() actor: Principal, @Req() req: Request): Promise<Webhook[]> {
    return this.webhooks.list(actor, Query.fromUrl(req.originalUrl).get('feed') || undefined);
  }

  @Answers(200, 'Webhook')
  @Get(':id')
  get(@Actor() actor: Principal, @Param('id') id: string): Promise<Webhook> {
    return this.webhooks.get(actor, id);
  }

  @Answers(200, 'Webhook')
  @Patch(':id')
  update(@Actor() actor: Principal, @Param('id') id: string, @Body() body: UpdateWebhookDto): Promise<Webhook> {
    return this.webhooks.update(actor, id, {
      url: body.url ?? undefined,
      events: body.events ?? undefined,
      feed: body.feed ?? undefined,
      secret: body.secret ?? undefined,
      active: body.active ?? undefined,
    });
  }

  @Answers(204)
  @Delete(':id')
  @HttpCode(204)
  delete(@Actor() actor: Principal, @Param('id') id: string): Promise<void> {
    return this.webhooks.delete(actor, id);
  }

  @Answers(200, ['WebhookDelivery'], 'Newest first')
  @QueryParam('limit', `At most this many (default ${PAGE_DEFAULT}, up to ${PAGE_MAX}).`, 'integer')
  @QueryParam('before', 'A delivery id: the page of older ones (pass the last id of the previous page).')
  @Get(':id/deliveries')
  deliveries(@Actor() actor: Principal, @Param('id') id: string, @Req() req: Request): Promise<WebhookDelivery[]> {
    const query = Query.fromUrl(req.originalUrl);
    const limit = query.int('limit') ?? PAGE_DEFAULT;
    if (limit < 1 || limit > PAGE_MAX) throw badRequest(`"limit" must be between 1 and ${PAGE_MAX}.`);
    return this.webhooks.deliveriesOf(actor, id, limit, query.get('before') || undefined);
  }

  @Answers(200, 'WebhookDelivery', 'With the body sent and every attempt')
  @Get(':id/deliveries/:deliveryId')
  delivery(
    @Actor() actor: Principal,
    @Param('id') id: string,
    @Param('deliveryId') deliveryId: string,
  ): Promise<WebhookDelivery> {
    return this.webhooks.delivery(actor, id, deliveryId);
  }

  @Answers(202, 'WebhookDelivery', 'Pending again, from now, with a new day of retries')
  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  redeliver(
    @Actor() actor: Principal,
    @Param('id') id: string,
    @Param('deliveryId') deliveryId: string,
  ): Promise<WebhookDelivery> {
    return this.webhooks.redeliver(actor, id, deliveryId);
  }

  @Answers(202, 'WebhookTestResult', 'A `webhook.test` event, delivered to this webhook only')
  @Post(':id/test')
  @HttpCode(202)
  test(@Actor() actor: Principal, @Param('id') id: string): Promise<WebhookTestResult> {
    return this.webhooks.test(actor, id);
  }
}
