import type * as AcpSdkModule from '@agentclientprotocol/sdk';

export type AcpSdk = typeof AcpSdkModule;

let sdk: AcpSdk | undefined;

/**
 * The @agentclientprotocol/sdk module (stable ACP v1), loaded on first use.
 *
 * The SDK ships ES modules only. Node ≥ 20.19 (our engines floor) loads them
 * with require(); under jest a CommonJS copy written by the global setup is
 * mapped in its place (jest.config.js, test/support/esm-to-cjs.js). A
 * dynamic import() is avoided on purpose: under jest's vm modules it can
 * resolve through an earlier test file's torn-down environment.
 */
export function loadAcpSdk(): Promise<AcpSdk> {
  sdk ??= require('@agentclientprotocol/sdk') as AcpSdk;
  return Promise.resolve(sdk);
}
