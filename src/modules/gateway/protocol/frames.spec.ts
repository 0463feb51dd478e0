import fc from 'fast-check';
import { decodeFrame, jsonDepth, MAX_PARAMS_DEPTH } from './frames';
import { Params } from './params';
import { GatewayError } from './gateway-error';

describe('decodeFrame', () => {
  it('never throws, whatever arrives, and classifies every input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.record({ type: fc.string(), id: fc.anything(), method: fc.anything(), params: fc.anything() }, { requiredKeys: [] }).map((o) => {
            try {
              return JSON.stringify(o);
            } catch {
              return '{}';
            }
          }),
        ),
        fc.boolean(),
        (text, binary) => {
          const d = decodeFrame(binary ? Buffer.from(text) : text, binary);
          expect(['request', 'invalid', 'garbage']).toContain(d.kind);
          if (d.kind === 'request') {
            expect(typeof d.frame.id).toBe('string');
            expect(d.frame.method.length).toBeGreaterThan(0);
          }
          if (d.kind === 'invalid') expect(typeof d.message).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('decodes a request and keeps params and traceparent', () => {
    expect(decodeFrame('{"type":"req","id":"1","method":"health","params":{"probe":true},"traceparent":"00-x"}', false)).toEqual({
      kind: 'request',
      frame: { type: 'req', id: '1', method: 'health', params: { probe: true }, traceparent: '00-x' },
    });
  });

  it('answers what has an id and drops what has none', () => {
    expect(decodeFrame('not json', false).kind).toBe('garbage');
    expect(decodeFrame('[1]', false).kind).toBe('garbage');
    expect(decodeFrame('{"type":"req","method":"x"}', false).kind).toBe('garbage');
    expect(decodeFrame('{"type":"res","id":"a"}', false)).toMatchObject({ kind: 'invalid', id: 'a', message: expect.stringContaining('unknown frame type') });
    expect(decodeFrame('{"type":"req","id":"a","method":""}', false)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('method') });
    expect(decodeFrame('{"type":"req","id":"a","method":"m"}', true)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('binary') });
  });

  it('refuses params nested deeper than the limit without recursion', () => {
    const deep = `{"type":"req","id":"d","method":"m","params":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(decodeFrame(deep, false)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('nested') });
    expect(jsonDepth({ a: { b: [1, { c: 2 }] } })).toBe(4);
    let ok: unknown = 1;
    for (let i = 0; i < MAX_PARAMS_DEPTH; i++) ok = [ok];
    expect(decodeFrame(JSON.stringify({ type: 'req', id: 'x', method: 'm', params: ok }), false).kind).toBe('request');
  });
});

describe('Params', () => {
  it('reads sessionKey, key or session_key and names wrong fields', () => {
    expect(new Params('m', { key: 'main' }).sessionKey()).toBe('main');
    expect(new Params('m', { session_key: 'x' }).sessionKey()).toBe('x');
    expect(() => new Params('m', {}).sessionKey()).toThrow(/sessionKey is required/);
    expect(() => new Params('m', { sessionKey: 5 }).sessionKey()).toThrow(/sessionKey must be a string/);
    expect(() => new Params('m', { limit: 0 }).optionalInt('limit', 1, 10)).toThrow(/limit must be an integer between 1 and 10/);
    expect(() => new Params('m', 'str')).toThrow(GatewayError);
    expect(new Params('m', { label: null }).nullableString('label')).toBeNull();
  });
});
