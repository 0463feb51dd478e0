import { SelfCheckService } from './self-check.service';

describe('SelfCheckService', () => {
  it('reports risk none without warnings', async () => {
    const svc = new SelfCheckService();
    svc.register({ name: 'clean', run: () => [] });
    expect(await svc.run()).toMatchObject({
      risk_level: 'none',
      warning_count: 0,
      warnings: [],
      checks: ['clean'],
    });
  });

  it('takes the highest severity as risk level, sorts high first and keeps one warning per code', async () => {
    const svc = new SelfCheckService();
    svc.register({ name: 'a', run: () => [{ code: 'B_LOW', severity: 'low', message: 'm', fix: 'f' }] });
    svc.register({
      name: 'b',
      run: async () => [
        { code: 'A_MED', severity: 'medium', message: 'm', fix: 'f' },
        { code: 'B_LOW', severity: 'high', message: 'raised', fix: 'f' },
      ],
    });
    const report = await svc.run();
    expect(report.risk_level).toBe('high');
    expect(report.warnings.map((w) => [w.code, w.severity])).toEqual([
      ['B_LOW', 'high'],
      ['A_MED', 'medium'],
    ]);
    expect(report.warning_count).toBe(2);
  });

  it('a check that throws becomes a low SELF_CHECK_FAILED warning instead of failing the report', async () => {
    const svc = new SelfCheckService();
    svc.register({
      name: 'broken',
      run: () => {
        throw new Error('boom');
      },
    });
    const report = await svc.run();
    expect(report).toMatchObject({
      risk_level: 'low',
      warnings: [expect.objectContaining({ code: 'SELF_CHECK_FAILED' })],
    });
    expect(JSON.stringify(report)).not.toContain('boom');
  });

  it('registering a name again replaces the check', async () => {
    const svc = new SelfCheckService();
    svc.register({ name: 'x', run: () => [{ code: 'OLD', severity: 'high', message: 'm', fix: 'f' }] });
    svc.register({ name: 'x', run: () => [] });
    expect((await svc.run()).risk_level).toBe('none');
  });
});
