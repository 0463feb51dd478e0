import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { SERVICE_VERSION } from '../../version';
import { EXIT_FAILURE } from '../cli-context';

/** Where `gateway call` connects, and with which token (never taken from the command line). */
export interface GatewayTarget {
  url: string;
  token?: string;
}

export interface GatewayCallOptions extends GatewayTarget {
  method: string;
  params?: Record<string, unknown>;
  timeoutMs: number;
}

export interface GatewayErrorShape {
  code: string;
  message: string;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
}

/** A failed call: the server's error (res.ok false), or a transport problem (code CLI_*). */
export class GatewayCallError extends Error {
  constructor(readonly error: GatewayErrorShape) {
    super(`${error.code}: ${error.message}`);
  }
}

const SCOPES = ['operator.read', 'operator.write', 'operator.approvals', 'operator.admin'];

/** URL and token from the environment, as PRODUCT.md names them (MicroClaw's names are accepted too). */
export function gatewayTargetFromEnv(env: NodeJS.ProcessEnv): GatewayTarget {
  const url = env.CLAWCONTROL_GATEWAY_URL || env.OPENCLAW_GATEWAY_URL || `ws://127.0.0.1:${env.PORT || '8080'}/`;
  const token =
    env.CLAWCONTROL_GATEWAY_TOKEN ||
    env.OPENCLAW_GATEWAY_TOKEN ||
    env.MICROCLAW_GATEWAY_TOKEN ||
    env.GATEWAY_TOKEN ||
    env.MICROCLAW_API_KEY ||
    undefined;
  return { url: toWsUrl(url), token };
}

/** `http(s)://host` → `ws(s)://host/`; a ws URL is kept. */
export function toWsUrl(url: string): string {
  return url.replace(/^http(s?):\/\//i, 'ws$1://');
}

/**
 * Connects as the OpenClaw CLI does (protocol 3–4, client `cli`), calls one
 * method and resolves with its payload; rejects with GatewayCallError.
 */
export function gatewayCall(opts: GatewayCallOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let ws: WebSocket;
    const finish = (err: GatewayErrorShape | undefined, payload?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        ws?.close(1000);
      } catch {}
      if (err) reject(new GatewayCallError(err));
      else resolve(payload);
    };
    const timer = setTimeout(
      () => finish({ code: 'CLI_TIMEOUT', message: `no answer to ${opts.method} within ${opts.timeoutMs} ms` }),
      opts.timeoutMs,
    );
    try {
      ws = new WebSocket(opts.url, { perMessageDeflate: false, handshakeTimeout: opts.timeoutMs });
    } catch (err) {
      finish({ code: 'CLI_BAD_URL', message: `invalid gateway URL ${opts.url}: ${(err as Error).message}` });
      return;
    }
    ws.on('error', (err) => finish({ code: 'CLI_CONNECT_FAILED', message: `cannot reach ${opts.url}: ${err.message}` }));
    ws.on('unexpected-response', (_req, res) =>
      finish({ code: 'CLI_CONNECT_FAILED', message: `${opts.url} refused the WebSocket upgrade (HTTP ${res.statusCode})` }),
    );
    ws.on('close', (code, reason) =>
      finish({ code: 'CLI_CLOSED', message: `connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})` }),
    );
    ws.on('message', (data) => {
      let frame: any;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (frame?.type === 'event' && frame.event === 'connect.challenge') {
        ws.send(
          JSON.stringify({
            type: 'req',
            id: 'connect',
            method: 'connect',
            params: {
              minProtocol: 3,
              maxProtocol: 4,
              client: { id: 'cli', version: SERVICE_VERSION, platform: process.platform, mode: 'cli' },
              role: 'operator',
              scopes: SCOPES,
              ...(opts.token ? { auth: { token: opts.token } } : {}),
            },
          }),
        );
      } else if (frame?.type === 'res' && frame.id === 'connect') {
        if (!frame.ok) return finish(frame.error ?? { code: 'CLI_CONNECT_FAILED', message: 'connect refused' });
        ws.send(JSON.stringify({ type: 'req', id: 'call', method: opts.method, params: opts.params ?? {} }));
      } else if (frame?.type === 'res' && frame.id === 'call') {
        if (frame.ok) finish(undefined, frame.payload);
        else finish(frame.error ?? { code: 'UNAVAILABLE', message: 'request failed' });
      }
    });
  });
}

/** `--params` must be a JSON object. */
export function parseParams(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new GatewayCallError({ code: 'CLI_BAD_PARAMS', message: `--params is not valid JSON: ${(err as Error).message}` });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayCallError({ code: 'CLI_BAD_PARAMS', message: '--params must be a JSON object, e.g. \'{"sessionKey":"main"}\'' });
  }
  return parsed as Record<string, unknown>;
}

export function register(program: Command): void {
  const gateway = program.command('gateway').description('talk to a running Clawcontrol over its OpenClaw-compatible WebSocket bridge');

  gateway
    .command('call <method>')
    .description(
      'call one bridge method and print its payload (URL from CLAWCONTROL_GATEWAY_URL or OPENCLAW_GATEWAY_URL, default ws://127.0.0.1:$PORT/; token from CLAWCONTROL_GATEWAY_TOKEN or OPENCLAW_GATEWAY_TOKEN); exit 1 with the error',
    )
    .option('--params <json>', 'method params as a JSON object', undefined)
    .option('--timeout <ms>', 'give up after this many milliseconds', '10000')
    .option('--json', 'print compact JSON (one line) instead of indented JSON')
    .action(async (method: string, opts: { params?: string; timeout: string; json?: boolean }) => {
      const target = gatewayTargetFromEnv(process.env);
      try {
        const timeoutMs = Number(opts.timeout);
        if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
          throw new GatewayCallError({ code: 'CLI_BAD_TIMEOUT', message: '--timeout must be a positive integer (milliseconds)' });
        }
        const params = parseParams(opts.params);
        // chat.send needs an idempotency key; a one-off call from a shell gets a fresh one.
        if (method === 'chat.send' && params.idempotencyKey === undefined) params.idempotencyKey = randomUUID();
        const payload = await gatewayCall({ ...target, method, params, timeoutMs });
        process.stdout.write(`${opts.json ? JSON.stringify(payload) : JSON.stringify(payload, null, 2)}\n`);
      } catch (err) {
        const e = err instanceof GatewayCallError ? err.error : { code: 'CLI_ERROR', message: (err as Error).message };
        if (opts.json) process.stdout.write(`${JSON.stringify({ ok: false, error: e })}\n`);
        const details = e.details ? ` ${JSON.stringify(e.details)}` : '';
        const hint = !target.token && e.code === 'NOT_PAIRED' ? ' (set CLAWCONTROL_GATEWAY_TOKEN or OPENCLAW_GATEWAY_TOKEN)' : '';
        process.stderr.write(`gateway call ${method} failed: ${e.code}: ${e.message}${details}${hint}\n`);
        process.exitCode = EXIT_FAILURE;
      }
    });
}
