import { CronExpressionParser } from 'cron-parser';
import { ScheduleType } from '../entities/scheduled-task.entity';
import { SchedulerErrors } from '../scheduler.errors';
import { isValidTimeZone, zonedLocalToUtc } from './zoned-time';

/**
 * Schedules and their next due times.
 *
 * - cron: 5 fields (minute hour day month weekday) or 6 (seconds first), or an
 *   alias such as `@hourly`, evaluated in `timezone` (DST handled by cron-parser:
 *   a time skipped by a spring-forward jump runs right after the jump, a time
 *   repeated in autumn runs once).
 * - interval: whole seconds (`300`) or units `s`, `m`, `h`, `d`, combinable
 *   (`30s`, `5m`, `1h30m`, `1d`); 1 second to 366 days. The first run is one
 *   interval after creation; later runs keep that phase.
 * - once: an ISO 8601 time; with `Z` or an offset it is absolute, without one it
 *   is a wall-clock time in `timezone`. A time in the past runs at once.
 *
 * Missed runs (the service was down, or a run outlasted its period) are not
 * replayed one by one: the task runs once, then its next due time is the first
 * one after now.
 */
export interface Schedule {
  type: ScheduleType;
  value: string;
  timezone: string;
}

const MIN_INTERVAL_MS = 1000;
const MAX_INTERVAL_MS = 366 * 86_400_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const INTERVAL_RE = /^(?:\d+[smhd])+$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

export function validateTimeZone(tz: string): string {
  if (!isValidTimeZone(tz)) {
    throw SchedulerErrors.invalidField('timezone', 'INVALID_TIMEZONE', `'${tz}' is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)`);
  }
  return tz;
}

/** Interval in milliseconds; throws INVALID_SCHEDULE naming schedule_value. */
export function parseInterval(value: string): number {
  const v = value.trim().toLowerCase();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else if (INTERVAL_RE.test(v)) {
    ms = 0;
    for (const [, n, unit] of v.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * UNIT_MS[unit];
  } else {
    throw invalid(`'${value}' is not an interval: use seconds (300) or units s, m, h, d (30s, 5m, 1h30m, 1d)`);
  }
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw invalid(`interval '${value}' must be between 1 second and 366 days`);
  }
  return ms;
}

/** A `once` time; throws INVALID_SCHEDULE naming schedule_value. */
export function parseOnce(value: string, timezone: string): Date {
  const v = value.trim();
  if (ISO_WITH_ZONE.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  const m = ISO_LOCAL.exec(v);
  if (m) {
    const fields = {
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
      ms: Number((m[7] ?? '0').padEnd(3, '0')),
    };
    const probe = new Date(Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second));
    const consistent =
      probe.getUTCMonth() === fields.month - 1 && probe.getUTCDate() === fields.day && fields.hour < 24 && fields.minute < 60 && fields.second < 60;
    if (consistent) return zonedLocalToUtc(fields, timezone);
  }
  throw invalid(`'${value}' is not an ISO 8601 time (e.g. 2030-01-31T09:00:00Z, or 2030-01-31T09:00 in the task's timezone)`);
}

/** The first cron occurrence strictly after `after`; throws INVALID_SCHEDULE naming schedule_value. */
export function nextCronRun(value: string, timezone: string, after: Date): Date {
  const fields = value.trim().split(/\s+/);
  if (!value.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    throw invalid(`'${value}' is not a cron expression: use 5 fields (minute hour day month weekday) or 6 (seconds first)`);
  }
  let next: Date;
  try {
    next = CronExpressionParser.parse(value.trim(), { tz: timezone, currentDate: after }).next().toDate();
  } catch (err) {
    throw invalid(`'${value}' is not a valid cron expression: ${(err as Error).message}`);
  }
  if (!Number.isFinite(next.getTime())) throw invalid(`cron expression '${value}' never fires`);
  return next;
}

/** Validates a schedule; returns its first due time. */
export function firstRun(schedule: Schedule, now: Date): Date {
  validateTimeZone(schedule.timezone);
  switch (schedule.type) {
    case 'cron':
      return nextCronRun(schedule.value, schedule.timezone, now);
    case 'interval':
      return new Date(now.getTime() + parseInterval(schedule.value));
    case 'once':
      return parseOnce(schedule.value, schedule.timezone);
  }
}

/**
 * The due time after a run of the occurrence due at `dueAt`, finishing at `now`:
 * never in the past (missed occurrences collapse into the run that just ended),
 * null for a `once` task.
 */
export function nextRunAfter(schedule: Schedule, dueAt: Date, now: Date): Date | null {
  switch (schedule.type) {
    case 'once':
      return null;
    case 'cron':
      return nextCronRun(schedule.value, schedule.timezone, now);
    case 'interval': {
      const every = parseInterval(schedule.value);
      const periods = Math.max(1, Math.floor((now.getTime() - dueAt.getTime()) / every) + 1);
      return new Date(dueAt.getTime() + periods * every);
    }
  }
}

function invalid(message: string) {
  return SchedulerErrors.invalidField('schedule_value', 'INVALID_SCHEDULE', message);
}
