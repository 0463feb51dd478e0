import type * as AcpSdkModule from '@agentclientprotocol/sdk';

export type AcpSdk = typeof AcpSdkModule;

// The SDK is published as ES modules only. A real dynamic import (not one
// TypeScript rewrites into require) loads it from this CommonJS build, in
// Node and under jest (--experimental-vm-modules).
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

let loading: Promise<AcpSdk> | undefined;

/** The @agentclientprotocol/sdk module (stable ACP v1), loaded once. */
export function loadAcpSdk(): Promise<AcpSdk> {
  loading ??= importEsm('@agentclientprotocol/sdk').then((m) => m as AcpSdk);
  return loading;
}
