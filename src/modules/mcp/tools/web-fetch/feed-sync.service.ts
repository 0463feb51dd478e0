import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { FeedSource, ToolsSettings } from '../../config/tools-config';
import { ToolsSettingsService } from '../../config/tools-settings.service';
import { parseCsvFirstColumn, parseLinesFeed } from './host-lists';
import type { FeedHosts } from './url-policy';

const MAX_FEED_BYTES = 10 * 1024 * 1024;

interface SourceState {
  source: FeedSource;
  entries: string[];
  loadedAt?: Date;
  lastError?: string;
  failing: boolean;
  timer?: NodeJS.Timeout;
}

export interface FeedSourceStatus {
  url: string;
  mode: string;
  entries: number;
  loaded_at: string | null;
  last_error: string | null;
}

/**
 * web_fetch_url_validation.feed_sync: pulls host lists from remote feeds
 * (`lines` or `csv_first_column`), caches them in memory and refreshes each
 * source every refresh_interval_secs. A failing source keeps its last good
 * list; with fail_open: false, web_fetch is refused while a source has never
 * loaded or its last refresh failed.
 */
@Injectable()
export class FeedSyncService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('WebFetchFeeds');
  private states: SourceState[] = [];
  private failOpen = true;
  private stopped = false;

  constructor(private readonly settings: ToolsSettingsService) {}

  onModuleInit(): void {
    this.start(this.settings.current);
    this.settings.onChange((s) => this.start(s));
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.states.forEach((s) => clearTimeout(s.timer));
  }

  /** The synced lists, merged; `unavailable` says why web_fetch must refuse (fail_open: false and a feed is down). */
  hosts(): FeedHosts {
    const allow: string[] = [];
    const deny: string[] = [];
    let unavailable: string | undefined;
    for (const s of this.states) {
      (s.source.mode === 'allowlist' ? allow : deny).push(...s.entries);
      if (!this.failOpen && (s.failing || !s.loadedAt)) {
        unavailable ??= `host feed ${s.source.url} is unavailable${s.lastError ? ` (${s.lastError})` : ' (not loaded yet)'} and feed_sync.fail_open is false`;
      }
    }
    return { allow, deny, unavailable };
  }

  status(): FeedSourceStatus[] {
    return this.states.map((s) => ({
      url: s.source.url,
      mode: s.source.mode,
      entries: s.entries.length,
      loaded_at: s.loadedAt?.toISOString() ?? null,
      last_error: s.lastError ?? null,
    }));
  }

  /** Loads every source once now (tests and reload); resolves when each attempt ended. */
  async refreshAll(): Promise<void> {
    await Promise.all(this.states.map((s) => this.refresh(s)));
  }

  private start(settings: ToolsSettings): void {
    this.states.forEach((s) => clearTimeout(s.timer));
    const sync = settings.webFetchUrlValidation.feed_sync;
    this.failOpen = sync.fail_open;
    const previous = new Map(this.states.map((s) => [`${s.source.mode} ${s.source.url}`, s]));
    this.states = sync.enabled
      ? sync.sources
          .filter((src) => src.enabled)
          .map((source) => {
            const old = previous.get(`${source.mode} ${source.url}`);
            return { source, entries: old?.entries ?? [], loadedAt: old?.loadedAt, failing: false };
          })
      : [];
    const max = sync.max_entries_per_source;
    for (const s of this.states) void this.refresh(s, max);
  }

  private async refresh(
    state: SourceState,
    max = this.settings.current.webFetchUrlValidation.feed_sync.max_entries_per_source,
  ): Promise<void> {
    if (this.stopped || !this.states.includes(state)) return;
    clearTimeout(state.timer);
    try {
      const res = await fetch(state.source.url, {
        signal: AbortSignal.timeout(state.source.timeout_secs * 1000),
        redirect: 'follow',
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await readLimited(res, MAX_FEED_BYTES);
      const entries =
        state.source.format === 'csv_first_column' ? parseCsvFirstColumn(text) : parseLinesFeed(text);
      if (entries.length > max)
        this.logger.warn(
          `host feed ${state.source.url}: ${entries.length} entries, keeping the first ${max} (max_entries_per_source)`,
        );
      state.entries = entries.slice(0, max);
      state.loadedAt = new Date();
      state.lastError = undefined;
      state.failing = false;
    } catch (err) {
      state.failing = true;
      state.lastError = (
        (err as Error).name === 'TimeoutError'
          ? `timed out after ${state.source.timeout_secs} s`
          : (err as Error).message
      ).slice(0, 200);
      this.logger.warn(
        `host feed ${state.source.url} failed: ${state.lastError}${state.loadedAt ? ' (keeping the last good list)' : ''}`,
      );
    }
    if (this.stopped || !this.states.includes(state)) return;
    state.timer = setTimeout(() => void this.refresh(state), state.source.refresh_interval_secs * 1000);
    state.timer.unref();
  }
}

async function readLimited(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new Error(`feed larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
