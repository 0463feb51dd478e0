import { Injectable, OnModuleInit } from '@nestjs/common';
import { systemPrincipal } from '../../../common/context/principal';
import { RequestContext } from '../../../common/context/request-context';
import { EventBus } from '../../../common/events/event-bus';
import { OrganizationsRepository } from '../../auth/repositories/organizations.repository';
import { Webhook } from '../entities/webhook.entity';
import { WebhookSecrets } from '../webhook-secrets';
import { WebhooksConfig } from '../webhooks.config';
import { WebhooksRepository } from '../webhooks.repository';

/** What ingest needs to know about a webhook before reading the body. */
export interface IngestTarget {
  webhook: Webhook;
  orgLocked: boolean;
  orgDisabled: boolean;
}

interface Entry {
  target: IngestTarget | null;
  expiresAt: number;
  secret?: Promise<string | undefined>;
}

const MAX_ENTRIES = 10_000;

/**
 * Webhook definitions (and their organization's lock state and secret) as
 * ingest sees them, reused for WEBHOOK_CONFIG_CACHE_MS so a burst of
 * deliveries costs one INSERT each. A change on any replica drops the entry
 * at once (webhooks.changed / organization.lock_changed on the event bus).
 *
 * When an entry expires under load, one read refreshes it and every request
 * arriving meanwhile waits for that read (not one read each, which would queue
 * dozens of lookups ahead of the INSERTs every expiry); the secret is then opened
 * once for the new entry, so a vault lock or a changed secret applies within
 * WEBHOOK_CONFIG_CACHE_MS.
 */
@Injectable()
export class IngestTargets implements OnModuleInit {
  private readonly entries = new Map<string, Entry>();
  private readonly loads = new Map<string, Promise<Entry>>();
  /** Bumped by every invalidation: a read that started before it is not cached. */
  private generation = 0;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly secrets: WebhookSecrets,
    private readonly config: WebhooksConfig,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe('webhooks.changed', ({ webhookId }) => this.forget(webhookId));
    this.bus.subscribe('organization.lock_changed', ({ organizationId }) => {
      this.generation++;
      this.loads.clear();
      for (const [id, entry] of this.entries) {
        if (!entry.target || entry.target.webhook.organizationId === organizationId) this.entries.delete(id);
      }
    });
  }

  async find(webhookId: string): Promise<IngestTarget | null> {
    return (await this.entry(webhookId)).target;
  }

  /**
   * The plaintext secret (undefined when the webhook has none), read through
   * the vault in the webhook's organization and reused while the entry lives.
   * A failure (vault locked, secret missing) is never cached.
   */
  secretOf(target: IngestTarget): Promise<string | undefined> {
    const { webhook } = target;
    if (!webhook.secretSealed && !webhook.secretRef) return Promise.resolve(undefined);
    const entry = this.entries.get(webhook.id);
    if (entry?.target === target && entry.secret) return entry.secret;
    const ctx = RequestContext.current() ?? { requestId: 'webhook-ingest', transport: 'system' as const };
    const pending = RequestContext.run({ ...ctx, principal: systemPrincipal(webhook.organizationId) }, () =>
      this.secrets.plaintextOf(webhook),
    );
    if (entry?.target === target) {
      entry.secret = pending;
      pending.catch(() => {
        if (this.entries.get(webhook.id) === entry) this.entries.delete(webhook.id);
      });
    }
    return pending;
  }

  forget(webhookId: string): void {
    this.generation++;
    this.loads.delete(webhookId);
    this.entries.delete(webhookId);
  }

  private entry(webhookId: string): Promise<Entry> {
    const cached = this.entries.get(webhookId);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached);
    let pending = this.loads.get(webhookId);
    if (!pending) {
      const load = this.load(webhookId).finally(() => {
        if (this.loads.get(webhookId) === load) this.loads.delete(webhookId);
      });
      this.loads.set(webhookId, load);
      pending = load;
    }
    return pending;
  }

  private async load(webhookId: string): Promise<Entry> {
    const generation = this.generation;
    const webhook = await this.webhooks.findByIdForIngest(webhookId);
    let target: IngestTarget | null = null;
    if (webhook) {
      const org = await this.organizations.findById(webhook.organizationId);
      target = { webhook, orgLocked: !!org?.lockedAt, orgDisabled: !org || org.disabled };
    }
    const entry: Entry = { target, expiresAt: Date.now() + this.config.configCacheMs };
    if (this.config.configCacheMs > 0 && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES && !this.entries.has(webhookId))
        this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(webhookId, entry);
    }
    return entry;
  }
}
