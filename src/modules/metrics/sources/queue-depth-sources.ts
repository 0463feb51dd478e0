import { Injectable } from '@nestjs/common';
import { NamedSources } from './named-sources';

/**
 * Queues of durable work (webhook deliveries pending, scheduled tasks due, …).
 * Each source returns its current depth, counted cluster-wide (from the
 * database), e.g. `queues.register('webhook_deliveries', () => repo.countPending())`.
 * They feed the `queue_depth{queue}` gauge, `queueDepth` in /api/health and the
 * queue-depth threshold.
 */
@Injectable()
export class QueueDepthSources extends NamedSources<number> {}
