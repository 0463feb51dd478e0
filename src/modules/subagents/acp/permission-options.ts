/** An ACP permission option as offered by the agent. */
export interface PermissionOptionLike {
  optionId: string;
  name?: string;
  kind: string;
}

export type PermissionAnswer = { outcome: 'selected'; optionId: string } | { outcome: 'cancelled' };

const ALLOW = ['allow_once', 'allow_always'];
const REJECT = ['reject_once', 'reject_always'];

/**
 * The option that carries a decision: approve → allow once (allow always only
 * when it is the sole allow option); deny → reject once (or always). With no
 * matching option the request is answered `cancelled`, which agents treat as
 * "not allowed".
 */
export function answerFor(decision: 'approve' | 'deny', options: PermissionOptionLike[]): PermissionAnswer {
  const order = decision === 'approve' ? ALLOW : REJECT;
  for (const kind of order) {
    const option = options.find((o) => o.kind === kind);
    if (option) return { outcome: 'selected', optionId: option.optionId };
  }
  return { outcome: 'cancelled' };
}
