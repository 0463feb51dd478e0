import { Injectable, OnModuleInit } from '@nestjs/common';
import { RequestContext } from '../../../common/context/request-context';
import { EventBus } from '../../../common/events/event-bus';
import { SettingsRepository } from '../repositories/settings.repository';
import { AuditService } from './audit.service';

export const LOCKDOWN_SETTING = 'lockdown';
const CACHE_MS = 1000;

export interface LockdownState {
  active: boolean;
  since?: string;
  by?: string;
  reason?: string;
}

/**
 * Emergency lockdown, stored in the settings table (so it survives restarts
 * and holds on every replica). Cached for at most a second; a change on this
 * replica, or an event from another, refreshes it at once.
 */
@Injectable()
export class LockdownService implements OnModuleInit {
  private cached?: { state: LockdownState; at: number };

  constructor(
    private readonly settings: SettingsRepository,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe('settings.changed', ({ key }) => {
      if (key === LOCKDOWN_SETTING) this.cached = undefined;
    });
  }

  async state(): Promise<LockdownState> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.state;
    const state = (await this.settings.get<LockdownState>(LOCKDOWN_SETTING)) ?? { active: false };
    this.cached = { state, at: Date.now() };
    return state;
  }

  async isActive(): Promise<boolean> {
    return (await this.state()).active;
  }

  /** POST /api/admin/lockdown: every replica refuses non-admin mutations within a second. */
  async enable(reason?: string): Promise<LockdownState> {
    const by = RequestContext.principal()?.actor ?? 'system';
    const current = await this.state();
    const state: LockdownState = {
      active: true,
      since: current.active ? current.since : new Date().toISOString(),
      by,
      reason: reason ?? current.reason,
    };
    await this.set(state, by);
    await this.audit.record({
      action: 'lockdown.enable',
      target: 'lockdown',
      details: { reason: reason ?? null, already_active: current.active },
    });
    return state;
  }

  async disable(): Promise<LockdownState> {
    const by = RequestContext.principal()?.actor ?? 'system';
    const current = await this.state();
    const state: LockdownState = { active: false };
    await this.set(state, by);
    await this.audit.record({
      action: 'lockdown.disable',
      target: 'lockdown',
      details: { was_active: current.active, since: current.since ?? null },
    });
    return state;
  }

  async set(state: LockdownState, by: string): Promise<void> {
    await this.settings.set(LOCKDOWN_SETTING, state, by);
    this.cached = undefined;
    this.bus.publish('settings.changed', { key: LOCKDOWN_SETTING });
  }
}
