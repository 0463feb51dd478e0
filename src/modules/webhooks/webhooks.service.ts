import { Injectable } from '@nestjs/common';
import { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { AppException } from '../../common/errors/app-exception';
import { MAIN_AGENT_ID } from '../agents/agent.types';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../auth/services/audit.service';
import { parseSessionKey, ParsedSessionKey, sessionKey } from '../sessions/session-key';
import { DeliveriesRepository } from './deliveries.repository';
import { CreateWebhookDto, UpdateWebhookDto, WebhookView } from './dto/webhook.dto';
import { Webhook } from './entities/webhook.entity';
import { IngestTargets } from './ingest/ingest-targets';
import { templateProblems } from './processing/message-template';
import { isValidSecretReference, WebhookSecrets } from './webhook-secrets';
import { WebhookErrors } from './webhooks.errors';
import { WebhooksRepository } from './webhooks.repository';

export function webhookView(w: Webhook): WebhookView {
  return {
    id: w.id,
    name: w.name,
    session_key: w.sessionKey,
    enabled: w.enabled,
    has_secret: w.hasSecret,
    secret_kind: w.secretSealed ? 'sealed' : w.secretRef ? 'reference' : 'none',
    message_template: w.messageTemplate,
    signature_header: w.signatureHeader,
    ingest_path: `/api/webhooks/${w.id}/ingest`,
    created_by: w.createdBy,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
  };
}

type TargetFields = Pick<CreateWebhookDto, 'session_key' | 'agent_id' | 'session_name'>;

/**
 * The session key a webhook's deliveries go to, from session_key (a bare name
 * means agent main) or agent_id + session_name; 400 INVALID_SESSION_KEY when malformed.
 */
export function targetSessionKey(dto: TargetFields): ParsedSessionKey | undefined {
  const byAgent = dto.agent_id !== undefined || dto.session_name !== undefined;
  if (dto.session_key !== undefined && byAgent) throw WebhookErrors.targetConflict();
  if (dto.session_key !== undefined) return parseSessionKey(dto.session_key);
  if (byAgent) return parseSessionKey(sessionKey(dto.agent_id ?? MAIN_AGENT_ID, dto.session_name ?? 'main'));
  return undefined;
}

function assertTemplate(template: string | null | undefined): void {
  if (template === undefined || template === null) return;
  const problems = templateProblems(template);
  if (problems.length) throw WebhookErrors.templateInvalid(problems.join('; '));
}

function assertSecret(secret: string | null | undefined): void {
  if (typeof secret === 'string' && secret.startsWith('secret:') && !isValidSecretReference(secret)) {
    throw new AppException(400, 'VALIDATION_FAILED', 'secret: a reference must be secret:<name> with 1-128 characters of A-Z a-z 0-9 _ . -', {
      errors: [{ field: 'secret', messages: ['invalid secret reference'] }],
    });
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { driverError?: { code?: string } })?.driverError?.code === '23505';
}

/** Webhook definitions of the current organization (REST and CLI call these). */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly secrets: WebhookSecrets,
    private readonly targets: IngestTargets,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
    private readonly agents: AgentsService,
  ) {}

  async list(limit: number, offset: number): Promise<[WebhookView[], number]> {
    const [rows, total] = await this.repo.list(limit, offset);
    return [rows.map(webhookView), total];
  }

  async get(id: string): Promise<WebhookView> {
    return webhookView(await this.find(id));
  }

  async find(id: string): Promise<Webhook> {
    const webhook = await this.repo.findById(id);
    if (!webhook) throw WebhookErrors.notFound(id);
    return webhook;
  }

  async create(dto: CreateWebhookDto): Promise<WebhookView> {
    const target = targetSessionKey(dto);
    if (!target) throw WebhookErrors.targetRequired();
    await this.assertAgentExists(target);
    assertTemplate(dto.message_template);
    assertSecret(dto.secret);
    const secret = await this.secrets.toStored(dto.secret ?? null);
    let webhook: Webhook;
    try {
      webhook = await this.repo.insert({
        name: dto.name,
        sessionKey: target.key,
        enabled: dto.enabled ?? true,
        ...secret,
        messageTemplate: dto.message_template ?? null,
        signatureHeader: dto.signature_header ?? null,
        createdBy: RequestContext.principal()?.actor ?? null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw WebhookErrors.nameTaken(dto.name);
      throw err;
    }
    await this.audit.record({
      action: 'webhook.create',
      target: `webhook:${webhook.id}`,
      details: { name: webhook.name, session_key: target.key, enabled: webhook.enabled, has_secret: webhook.hasSecret },
    });
    this.changed(webhook);
    return webhookView(webhook);
  }

  async update(id: string, dto: UpdateWebhookDto): Promise<WebhookView> {
    const webhook = await this.find(id);
    const target = targetSessionKey(dto);
    if (target) await this.assertAgentExists(target);
    assertTemplate(dto.message_template);
    assertSecret(dto.secret);
    const changes: string[] = [];
    const set = <K extends keyof Webhook>(field: K, value: Webhook[K] | undefined, label: string) => {
      if (value === undefined || value === webhook[field]) return;
      webhook[field] = value;
      changes.push(label);
    };
    set('name', dto.name, 'name');
    set('sessionKey', target?.key, 'session_key');
    set('enabled', dto.enabled, 'enabled');
    set('messageTemplate', dto.message_template, 'message_template');
    set('signatureHeader', dto.signature_header, 'signature_header');
    if (dto.secret !== undefined) {
      Object.assign(webhook, await this.secrets.toStored(dto.secret));
      changes.push(dto.secret === null ? 'secret_removed' : 'secret');
    }
    try {
      await this.repo.save(webhook);
    } catch (err) {
      if (isUniqueViolation(err)) throw WebhookErrors.nameTaken(webhook.name);
      throw err;
    }
    await this.audit.record({
      action: 'webhook.update',
      target: `webhook:${webhook.id}`,
      details: { name: webhook.name, changed: changes, enabled: webhook.enabled, has_secret: webhook.hasSecret },
    });
    this.changed(webhook);
    return webhookView(webhook);
  }

  /** Deletes the webhook and its delivery history; pending deliveries are dropped with it. */
  async delete(id: string): Promise<{ deleted: boolean; deliveries_deleted: number }> {
    const webhook = await this.find(id);
    await this.repo.delete(id);
    const deliveries = await this.deliveries.deleteByWebhook(id);
    await this.audit.record({
      action: 'webhook.delete',
      target: `webhook:${id}`,
      details: { name: webhook.name, deliveries_deleted: deliveries },
    });
    this.changed(webhook);
    return { deleted: true, deliveries_deleted: deliveries };
  }

  /** Webhooks that accept unsigned requests (self-check warning). */
  async enabledWithoutSecret(): Promise<WebhookView[]> {
    return (await this.repo.listEnabledWithoutSecret()).map(webhookView);
  }

  /** A target naming an agent that does not exist is a mistake worth catching now, not at the first delivery. */
  private async assertAgentExists(target: ParsedSessionKey): Promise<void> {
    if (!(await this.agents.findEntity(target.agentId))) throw WebhookErrors.targetAgentUnknown(target.agentId);
  }

  private changed(webhook: Webhook): void {
    this.targets.forget(webhook.id);
    this.bus.publish('webhooks.changed', { organizationId: webhook.organizationId, webhookId: webhook.id });
  }
}
