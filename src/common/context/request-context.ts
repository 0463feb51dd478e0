import { AsyncLocalStorage } from 'node:async_hooks';
import { Principal } from './principal';

export type Transport = 'http' | 'ws' | 'cli' | 'system';

/**
 * What every service and repository needs to know about the caller: who it is
 * (principal), which organization it acts in, and the request id for logs.
 * HTTP middleware, the WebSocket bridge and the CLI each open one.
 */
export interface RequestContextData {
  requestId: string;
  transport: Transport;
  ip?: string;
  principal?: Principal;
}

const storage = new AsyncLocalStorage<RequestContextData>();

export class NoOrganizationInContextError extends Error {
  constructor() {
    super('no organization in the request context (unauthenticated call reached a scoped repository)');
  }
}

export const RequestContext = {
  run<T>(data: RequestContextData, fn: () => T): T {
    return storage.run(data, fn);
  },
  current(): RequestContextData | undefined {
    return storage.getStore();
  },
  principal(): Principal | undefined {
    return storage.getStore()?.principal;
  },
  setPrincipal(principal: Principal): void {
    const store = storage.getStore();
    if (store) store.principal = principal;
  },
  /** The organization every scoped repository filters by; throws when absent. */
  organizationId(): string {
    const orgId = storage.getStore()?.principal?.organizationId;
    if (!orgId) throw new NoOrganizationInContextError();
    return orgId;
  },
  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },
};
