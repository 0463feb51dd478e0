import { gatewayCall, GatewayCallError, gatewayTargetFromEnv, parseParams } from '../src/cli/commands/gateway.command';
import { CLI_BIN, ensureBuilt, runNode } from './support/build';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';

describe('clawcontrol gateway call', () => {
  let app: TestApp;
  let url: string;
  beforeAll(async () => {
    ensureBuilt();
    app = await startTestApp();
    url = app.baseUrl.replace('http', 'ws') + '/';
  });
  afterAll(() => app.close());

  it('reads URL and token from the CLAWCONTROL_ / OPENCLAW_ variables', () => {
    expect(gatewayTargetFromEnv({ CLAWCONTROL_GATEWAY_URL: 'http://h:1', CLAWCONTROL_GATEWAY_TOKEN: 't1', OPENCLAW_GATEWAY_TOKEN: 't2' })).toEqual({
      url: 'ws://h:1',
      token: 't1',
    });
    expect(gatewayTargetFromEnv({ OPENCLAW_GATEWAY_URL: 'wss://g', OPENCLAW_GATEWAY_TOKEN: 't2' })).toEqual({ url: 'wss://g', token: 't2' });
    expect(gatewayTargetFromEnv({ PORT: '9000' })).toEqual({ url: 'ws://127.0.0.1:9000/', token: undefined });
    // MicroClaw's runbook: "Export one of MICROCLAW_GATEWAY_TOKEN, OPENCLAW_GATEWAY_TOKEN, GATEWAY_TOKEN, or MICROCLAW_API_KEY."
    expect(gatewayTargetFromEnv({ MICROCLAW_GATEWAY_TOKEN: 't3', MICROCLAW_API_KEY: 't5' }).token).toBe('t3');
    expect(gatewayTargetFromEnv({ GATEWAY_TOKEN: 't4', MICROCLAW_API_KEY: 't5' }).token).toBe('t4');
    expect(gatewayTargetFromEnv({ MICROCLAW_API_KEY: 't5' }).token).toBe('t5');
    expect(() => parseParams('[1]')).toThrow(/JSON object/);
    expect(() => parseParams('{nope')).toThrow(/not valid JSON/);
  });

  it('calls a method and resolves with its payload; errors carry the protocol error', async () => {
    const health = (await gatewayCall({ url, token: TEST_ADMIN_KEY, method: 'health', timeoutMs: 10_000 })) as any;
    expect(health.ok).toBe(true);
    await expect(gatewayCall({ url, token: 'wrong', method: 'health', timeoutMs: 10_000 })).rejects.toMatchObject({
      error: { code: 'INVALID_REQUEST', details: { code: 'AUTH_TOKEN_MISMATCH' } },
    });
    const unknown = await gatewayCall({ url, token: TEST_ADMIN_KEY, method: 'nope', timeoutMs: 10_000 }).then(() => undefined, (e: GatewayCallError) => e);
    expect(unknown).toBeInstanceOf(GatewayCallError);
    expect(unknown!.error.message).toBe('unknown method: nope');
    const refused = await gatewayCall({ url: 'ws://127.0.0.1:1/', token: 'x', method: 'health', timeoutMs: 5000 }).then(() => undefined, (e: GatewayCallError) => e);
    expect(refused!.error.code).toBe('CLI_CONNECT_FAILED');
  });

  it('prints the payload and exits 0; exits 1 with the error on stderr', async () => {
    const env = { CLAWCONTROL_GATEWAY_URL: app.baseUrl, CLAWCONTROL_GATEWAY_TOKEN: TEST_ADMIN_KEY };
    const ok = await runNode([CLI_BIN, 'gateway', 'call', 'node.list', '--json'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ts: expect.any(Number), nodes: [] });

    const send = await runNode([CLI_BIN, 'gateway', 'call', 'sessions_send', '--params', '{"sessionKey":"main","message":"status summary"}'], env);
    expect(send.code).toBe(0);
    expect(JSON.parse(send.stdout)).toMatchObject({ runId: expect.any(String), status: 'started' });

    const chat = await runNode([CLI_BIN, 'gateway', 'call', 'chat.send', '--params', '{"sessionKey":"main","message":"hi"}', '--json'], {
      ...env,
      CLAWCONTROL_GATEWAY_TOKEN: undefined,
      OPENCLAW_GATEWAY_TOKEN: TEST_ADMIN_KEY,
    });
    expect(chat.code).toBe(0);
    expect(JSON.parse(chat.stdout).status).toBe('started');

    const bad = await runNode([CLI_BIN, 'gateway', 'call', 'chat.history', '--params', '{"sessionKey":"main","limit":0}'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID_REQUEST');
    expect(bad.stderr).toContain('limit');

    const noToken = await runNode([CLI_BIN, 'gateway', 'call', 'health'], { CLAWCONTROL_GATEWAY_URL: app.baseUrl });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('NOT_PAIRED');
    expect(noToken.stderr + noToken.stdout).not.toContain(TEST_ADMIN_KEY);

    const badParams = await runNode([CLI_BIN, 'gateway', 'call', 'health', '--params', 'nope'], env);
    expect(badParams.code).toBe(1);
    expect(badParams.stderr).toContain('--params');
  });
});
