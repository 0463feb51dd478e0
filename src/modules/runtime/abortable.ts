/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class AbortedError extends Error {
  constructor(readonly reason: unknown) {
    super(`aborted: ${typeof reason === 'string' ? reason : 'aborted'}`);
    this.name = 'AbortError';
  }
}

export function abortError(signal: AbortSignal): AbortedError {
  return new AbortedError(signal.reason);
}
