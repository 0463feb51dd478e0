import { GatewayError } from '../protocol/gateway-error';
import { DeviceBlock } from './device-auth';

export const CLIENT_MODES = ['webchat', 'cli', 'ui', 'backend', 'node', 'worker', 'probe', 'test'] as const;
export type ClientMode = (typeof CLIENT_MODES)[number];

export interface ConnectClient {
  id: string;
  version: string;
  platform: string;
  mode: ClientMode;
  displayName?: string;
  deviceFamily?: string;
  instanceId?: string;
}

export interface ConnectParams {
  minProtocol: number;
  maxProtocol: number;
  client: ConnectClient;
  role: 'operator';
  scopes: string[];
  auth: { token?: string; password?: string; deviceToken?: string };
  device?: DeviceBlock;
  locale?: string;
  userAgent?: string;
}

const SHORT = 256;
const TOKEN_MAX = 4096;

function invalid(problem: string): never {
  throw new GatewayError('INVALID_REQUEST', `invalid connect params: ${problem}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(obj: Record<string, unknown>, name: string, path: string, required: boolean, max = SHORT): string | undefined {
  const v = obj[name];
  if (v === undefined || v === null) {
    if (required) invalid(`${path}${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') invalid(`${path}${name} must be a string`);
  if (required && v.length === 0) invalid(`${path}${name} must not be empty`);
  if (v.length > max) invalid(`${path}${name} is too long (at most ${max} characters)`);
  return v;
}

function protocolNumber(obj: Record<string, unknown>, name: string): number {
  const v = obj[name];
  if (v === undefined) invalid(`${name} is required`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1000) invalid(`${name} must be a non-negative integer`);
  return v;
}

/** `minProtocol`/`maxProtocol`, checked first so that a client of another version hears "protocol mismatch". */
export function parseProtocolRange(params: unknown): { minProtocol: number; maxProtocol: number } {
  if (!isObject(params)) invalid('params must be an object');
  const minProtocol = protocolNumber(params, 'minProtocol');
  const maxProtocol = protocolNumber(params, 'maxProtocol');
  if (minProtocol > maxProtocol) invalid('minProtocol must not exceed maxProtocol');
  return { minProtocol, maxProtocol };
}

/**
 * Validates the fields of `connect` the bridge uses and ignores the rest
 * (caps, commands, permissions, pathEnv, modelCatalog, …): rejecting those
 * would break real clients.
 */
export function parseConnectParams(params: unknown): ConnectParams {
  const { minProtocol, maxProtocol } = parseProtocolRange(params);
  if (!isObject(params)) invalid('params must be an object');

  const c = params.client;
  if (!isObject(c)) invalid('client is required and must be an object');
  const mode = str(c, 'mode', 'client.', true)!;
  if (!(CLIENT_MODES as readonly string[]).includes(mode)) invalid(`client.mode must be one of ${CLIENT_MODES.join('|')}`);
  const client: ConnectClient = {
    id: str(c, 'id', 'client.', true)!,
    version: str(c, 'version', 'client.', false) ?? 'unknown',
    platform: str(c, 'platform', 'client.', false) ?? 'unknown',
    mode: mode as ClientMode,
  };
  for (const opt of ['displayName', 'deviceFamily', 'instanceId'] as const) {
    const v = str(c, opt, 'client.', false);
    if (v !== undefined) client[opt] = v;
  }

  const role = params.role;
  if (role !== undefined && role !== null && role !== 'operator') invalid('role must be "operator"');

  let scopes: string[] = [];
  if (params.scopes !== undefined && params.scopes !== null) {
    if (!Array.isArray(params.scopes) || params.scopes.length > 64 || params.scopes.some((s) => typeof s !== 'string' || s.length > SHORT)) {
      invalid('scopes must be an array of strings');
    }
    scopes = params.scopes as string[];
  }

  const auth: ConnectParams['auth'] = {};
  if (params.auth !== undefined && params.auth !== null) {
    if (!isObject(params.auth)) invalid('auth must be an object');
    for (const name of ['token', 'password', 'deviceToken'] as const) {
      const v = str(params.auth, name, 'auth.', false, TOKEN_MAX);
      if (v !== undefined && v.length > 0) auth[name] = v;
    }
  }

  let device: DeviceBlock | undefined;
  if (params.device !== undefined && params.device !== null) {
    const d = params.device;
    if (!isObject(d)) invalid('device must be an object');
    const signedAt = d.signedAt;
    if (typeof signedAt !== 'number' || !Number.isFinite(signedAt)) invalid('device.signedAt must be a number (epoch ms)');
    device = {
      id: str(d, 'id', 'device.', true)!,
      publicKey: str(d, 'publicKey', 'device.', true)!,
      signature: str(d, 'signature', 'device.', true)!,
      nonce: str(d, 'nonce', 'device.', true)!,
      signedAt,
    };
  }

  const out: ConnectParams = { minProtocol, maxProtocol, client, role: 'operator', scopes, auth };
  if (device) out.device = device;
  const locale = str(params, 'locale', '', false);
  if (locale !== undefined) out.locale = locale;
  const userAgent = str(params, 'userAgent', '', false, 1024);
  if (userAgent !== undefined) out.userAgent = userAgent;
  return out;
}

/** The highest version both sides speak, or undefined. */
export function negotiateProtocol(min: number, max: number, supported: readonly number[]): number | undefined {
  return [...supported].sort((a, b) => b - a).find((v) => v >= min && v <= max);
}
