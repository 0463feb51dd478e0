import { AppException } from '../../../common/errors/app-exception';
import { firstRun, nextCronRun, nextRunAfter, parseInterval, parseOnce, validateTimeZone } from './schedule';

function problem(fn: () => unknown): { status: number; code: string; field: unknown; detail: string } {
  try {
    fn();
  } catch (err) {
    const e = err as AppException;
    return { status: e.getStatus(), code: e.code, field: e.extras.field, detail: e.detail };
  }
  throw new Error('expected an error');
}

describe('schedules', () => {
  const now = new Date('2025-06-01T10:00:00Z');

  it('parses intervals as seconds or unit combinations', () => {
    expect(parseInterval('300')).toBe(300_000);
    expect(parseInterval('30s')).toBe(30_000);
    expect(parseInterval('5m')).toBe(300_000);
    expect(parseInterval('1h30m')).toBe(5_400_000);
    expect(parseInterval('1D')).toBe(86_400_000);
  });

  it('rejects bad intervals with 422 naming schedule_value', () => {
    for (const bad of ['', 'soon', '5 minutes', '0', '0s', '-5', '1.5h', '400d']) {
      const p = problem(() => parseInterval(bad));
      expect(p).toMatchObject({ status: 422, code: 'INVALID_SCHEDULE', field: 'schedule_value' });
      expect(p.detail).toMatch(/^schedule_value: /);
    }
  });

  it('keeps the phase of an interval and collapses missed runs into one', () => {
    const s = { type: 'interval' as const, value: '1h', timezone: 'UTC' };
    const due = new Date('2025-06-01T10:00:00Z');
    expect(nextRunAfter(s, due, new Date('2025-06-01T10:00:05Z'))).toEqual(new Date('2025-06-01T11:00:00Z'));
    // down for 5.5 hours: one run now, next at the first slot after now
    expect(nextRunAfter(s, due, new Date('2025-06-01T15:30:00Z'))).toEqual(new Date('2025-06-01T16:00:00Z'));
    expect(nextRunAfter(s, due, new Date('2025-06-01T11:00:00Z'))).toEqual(new Date('2025-06-01T12:00:00Z'));
  });

  it('evaluates cron in the task time zone across DST changes', () => {
    // 09:00 Berlin is 07:00Z in summer, 08:00Z in winter
    expect(nextCronRun('0 9 * * *', 'Europe/Berlin', now)).toEqual(new Date('2025-06-02T07:00:00Z'));
    expect(nextCronRun('0 9 * * *', 'Europe/Berlin', new Date('2025-12-01T10:00:00Z'))).toEqual(new Date('2025-12-02T08:00:00Z'));
    // 02:30 does not exist in Berlin on 2025-03-30: it runs right after the jump, once
    const spring = nextCronRun('30 2 * * *', 'Europe/Berlin', new Date('2025-03-29T12:00:00Z'));
    expect(spring.getTime()).toBeGreaterThan(new Date('2025-03-30T00:59:59Z').getTime());
    expect(spring.getTime()).toBeLessThan(new Date('2025-03-30T02:00:00Z').getTime());
    // 02:30 happens twice in autumn (2025-10-26): runs once that day
    const a1 = nextCronRun('30 2 * * *', 'Europe/Berlin', new Date('2025-10-25T12:00:00Z'));
    const a2 = nextCronRun('30 2 * * *', 'Europe/Berlin', a1);
    expect(a2.getTime() - a1.getTime()).toBeGreaterThan(20 * 3_600_000);
    expect(nextCronRun('*/10 * * * * *', 'UTC', now)).toEqual(new Date('2025-06-01T10:00:10Z'));
    expect(nextCronRun('@hourly', 'UTC', now)).toEqual(new Date('2025-06-01T11:00:00Z'));
  });

  it('rejects bad cron expressions with 422 naming schedule_value', () => {
    for (const bad of ['not a cron', '61 * * * *', '* * *', '* * * * * * *', '0 0 31 2 *']) {
      expect(problem(() => nextCronRun(bad, 'UTC', now))).toMatchObject({ status: 422, code: 'INVALID_SCHEDULE', field: 'schedule_value' });
    }
  });

  it('parses once times absolute or as wall-clock time in the time zone', () => {
    expect(parseOnce('2030-01-31T09:00:00Z', 'Europe/Berlin')).toEqual(new Date('2030-01-31T09:00:00Z'));
    expect(parseOnce('2030-01-31T09:00:00+02:00', 'UTC')).toEqual(new Date('2030-01-31T07:00:00Z'));
    expect(parseOnce('2030-01-31T09:00', 'Europe/Berlin')).toEqual(new Date('2030-01-31T08:00:00Z'));
    expect(parseOnce('2030-07-31 09:00:00', 'America/New_York')).toEqual(new Date('2030-07-31T13:00:00Z'));
    for (const bad of ['tomorrow', '2030-02-30T09:00', '2030-01-31T25:00', '1700000000']) {
      expect(problem(() => parseOnce(bad, 'UTC'))).toMatchObject({ status: 422, code: 'INVALID_SCHEDULE', field: 'schedule_value' });
    }
  });

  it('validates IANA time zones, naming the timezone field', () => {
    expect(validateTimeZone('America/New_York')).toBe('America/New_York');
    expect(problem(() => validateTimeZone('Mars/Olympus'))).toMatchObject({ status: 422, code: 'INVALID_TIMEZONE', field: 'timezone' });
    expect(problem(() => firstRun({ type: 'cron', value: '* * * * *', timezone: 'nope' }, now)).field).toBe('timezone');
  });

  it('computes first runs: once as given, interval one period later, no next run after once', () => {
    expect(firstRun({ type: 'interval', value: '5m', timezone: 'UTC' }, now)).toEqual(new Date('2025-06-01T10:05:00Z'));
    const once = { type: 'once' as const, value: '2020-01-01T00:00:00Z', timezone: 'UTC' };
    expect(firstRun(once, now)).toEqual(new Date('2020-01-01T00:00:00Z'));
    expect(nextRunAfter(once, now, now)).toBeNull();
  });
});
