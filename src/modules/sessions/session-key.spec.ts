import { parseSessionKey } from './session-key';

describe('parseSessionKey', () => {
  it('parses agent:<agentId>:<name>, names may contain colons', () => {
    expect(parseSessionKey('agent:main:main')).toEqual({
      key: 'agent:main:main',
      agentId: 'main',
      name: 'main',
    });
    expect(parseSessionKey('agent:ops:telegram:123')).toEqual({
      key: 'agent:ops:telegram:123',
      agentId: 'ops',
      name: 'telegram:123',
    });
  });

  it('treats a bare name as agent:main:<name>', () => {
    expect(parseSessionKey('status').key).toBe('agent:main:status');
  });

  it('answers 400 INVALID_SESSION_KEY naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['agent:main', /no name part/],
      ['agent::x', /agent id is empty/],
      ['agent:Main!:x', /agent id 'Main!'/],
      ['agent:main:', /name is empty/],
      ['agent:main:has space', /name 'has space'/],
      ['x'.repeat(301), /longer than 300/],
      ['bad name', /bare session name/],
    ];
    for (const [key, problem] of cases) {
      try {
        parseSessionKey(key);
        throw new Error(`accepted ${key}`);
      } catch (err: any) {
        expect(err.code).toBe('INVALID_SESSION_KEY');
        expect(err.getStatus()).toBe(400);
        expect(err.message).toMatch(problem);
      }
    }
  });
});
