import { bearer, createKey } from './auth-helpers';
import { connectedClient, GatewayTestClient } from './support/gateway-client';
import { ADMIN, expectSucceeded, waitForRun } from './support/runtime-helpers';
import { TEST_ADMIN_KEY, TestApp, waitFor } from './support/test-app';
import { spawnAcp, startAcpApp, subagentLog, subagentOf } from './support/acp';

/** The approval request the socket saw for a run. */
function approvalEvent(client: GatewayTestClient, runId: string) {
  return waitFor(
    () =>
      client.events.find((e) => e.event === 'exec.approval.requested' && e.payload.request.runId === runId),
    15_000,
    'exec.approval.requested',
  );
}

async function permissionEntry(app: TestApp, runId: string) {
  const log = await subagentLog(app, runId, 'kind=permission');
  expect(log.items).toHaveLength(1);
  return log.items[0];
}

describe('ACP permission requests, permission_mode "ask"', () => {
  let app: TestApp;
  let operator: { client: GatewayTestClient };
  beforeAll(async () => {
    app = await startAcpApp({
      SUBAGENTS_ACP_PERMISSION_MODE: 'ask',
      SUBAGENTS_ACP_APPROVAL_TIMEOUT_SECS: '60',
    });
    operator = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
  });
  afterAll(async () => {
    operator.client.ws.close();
    await app.close();
  });

  it('announces exec.approval.requested to approvers; exec.approval.resolve approve lets the agent go on', async () => {
    const reader = await createKey(app, ['operator.read']);
    const { client: readerSocket } = await connectedClient(app.baseUrl, reader.token, {
      scopes: ['operator.read'],
    });
    try {
      const spawned = await spawnAcp(app, { task: 'clean up', runtime_target: 'permission' });
      const event = await approvalEvent(operator.client, spawned.run_id);
      expect(event.payload).toMatchObject({
        id: expect.any(String),
        request: {
          command: 'rm -rf build',
          host: 'acp',
          sessionKey: spawned.key,
          runId: spawned.run_id,
          toolCall: { kind: 'execute' },
        },
        createdAtMs: expect.any(Number),
        expiresAtMs: expect.any(Number),
      });
      expect(event.payload.request.options.map((o: any) => o.kind)).toEqual([
        'allow_once',
        'allow_always',
        'reject_once',
      ]);
      expect(await getRunStatus(app, spawned.run_id)).toBe('running');

      // Only holders of operator.approvals see the request or may answer it.
      expect(readerSocket.events.some((e) => e.event === 'exec.approval.requested')).toBe(false);
      const forbidden = await readerSocket.request('exec.approval.resolve', {
        id: event.payload.id,
        decision: 'approve',
      });
      expect(forbidden.error).toMatchObject({
        code: 'FORBIDDEN',
        details: { missingScope: 'operator.approvals' },
      });

      const bad = await operator.client.request('exec.approval.resolve', {
        id: event.payload.id,
        decision: 'maybe',
      });
      expect(bad.ok).toBe(false);
      expect(bad.error!.message).toContain('decision must be "approve" or "deny"');

      const res = await operator.client.request('exec.approval.resolve', {
        id: event.payload.id,
        decision: 'approve',
      });
      expect(res.payload).toMatchObject({
        ok: true,
        id: event.payload.id,
        decision: 'approve',
        status: 'approved',
      });
      const run = await waitForRun(app, spawned.run_id, undefined, 15_000);
      expectSucceeded(run);
      expect((await subagentOf(app, spawned.run_id)).result_text).toBe('permission outcome: allow');
      const resolved = await waitFor(
        () =>
          operator.client.events.find(
            (e) => e.event === 'exec.approval.resolved' && e.payload.id === event.payload.id,
          ),
        5000,
        'resolved event',
      );
      expect(resolved.payload).toMatchObject({
        decision: 'approve',
        resolvedBy: expect.stringMatching(/^api_key:/),
      });

      const entry = await permissionEntry(app, spawned.run_id);
      expect(entry.data).toMatchObject({
        mode: 'ask',
        decision: 'approve',
        decided_by: expect.stringMatching(/^api_key:/),
        approval_id: event.payload.id,
      });

      const again = await operator.client.request('exec.approval.resolve', {
        id: event.payload.id,
        decision: 'deny',
      });
      expect(again.ok).toBe(false);
      expect(again.error!.message).toContain('no longer pending (approved)');
      const audit = await app
        .http()
        .get('/api/audit?action=subagent.approval.resolve')
        .set(ADMIN)
        .expect(200);
      expect(audit.body.items.some((a: any) => a.target === event.payload.id)).toBe(true);
    } finally {
      readerSocket.ws.close();
    }
  });

  it('operators without the bridge answer over REST: list the pending request, deny it', async () => {
    const spawned = await spawnAcp(app, { task: 'clean up', runtime_target: 'permission' });
    const pending = await waitFor(
      async () => {
        const res = await app.http().get('/api/subagents/approvals').set(ADMIN).expect(200);
        return res.body.items.find((a: any) => a.run_id === spawned.run_id);
      },
      15_000,
      'pending approval over REST',
    );
    expect(pending).toMatchObject({
      status: 'pending',
      session_key: spawned.key,
      tool_call: { title: 'rm -rf build' },
    });

    const reader = await createKey(app, ['operator.read', 'operator.write']);
    await app.http().get('/api/subagents/approvals').set(bearer(reader.token)).expect(403);
    await app
      .http()
      .post(`/api/subagents/approvals/${pending.id}/resolve`)
      .set(bearer(reader.token))
      .send({ decision: 'approve' })
      .expect(403);
    const badBody = await app
      .http()
      .post(`/api/subagents/approvals/${pending.id}/resolve`)
      .set(ADMIN)
      .send({ decision: 'deny', extra: 1 })
      .expect(400);
    expect(badBody.body.detail).toMatch(/extra/);
    const badDecision = await app
      .http()
      .post(`/api/subagents/approvals/${pending.id}/resolve`)
      .set(ADMIN)
      .send({ decision: 'perhaps' })
      .expect(400);
    expect(badDecision.body.code).toBe('INVALID_DECISION');
    await app
      .http()
      .post('/api/subagents/approvals/00000000-0000-4000-8000-000000000000/resolve')
      .set(ADMIN)
      .send({ decision: 'deny' })
      .expect(404);

    const res = await app
      .http()
      .post(`/api/subagents/approvals/${pending.id}/resolve`)
      .set(ADMIN)
      .send({ decision: 'deny' })
      .expect(200);
    expect(res.body).toMatchObject({
      id: pending.id,
      status: 'denied',
      decided_by: expect.stringMatching(/^api_key:/),
    });
    expectSucceeded(await waitForRun(app, spawned.run_id, undefined, 15_000));
    expect((await subagentOf(app, spawned.run_id)).result_text).toBe('permission outcome: reject');
    const again = await app
      .http()
      .post(`/api/subagents/approvals/${pending.id}/resolve`)
      .set(ADMIN)
      .send({ decision: 'approve' })
      .expect(409);
    expect(again.body.code).toBe('APPROVAL_ALREADY_RESOLVED');
    const after = await app.http().get('/api/subagents/approvals').set(ADMIN).expect(200);
    expect(after.body.items.find((a: any) => a.id === pending.id)).toBeUndefined();
  });

  it('aborting the run while a request waits answers it "cancelled" and closes the request', async () => {
    const spawned = await spawnAcp(app, { task: 'clean up', runtime_target: 'permission' });
    const event = await approvalEvent(operator.client, spawned.run_id);
    await app
      .http()
      .post(`/api/sessions/${encodeURIComponent(spawned.key)}/abort`)
      .set(ADMIN)
      .send({})
      .expect(200);
    expect((await waitForRun(app, spawned.run_id, undefined, 15_000)).status).toBe('aborted');
    const late = await operator.client.request('exec.approval.resolve', {
      id: event.payload.id,
      decision: 'approve',
    });
    expect(late.ok).toBe(false);
    expect(late.error!.message).toContain('no longer pending (cancelled)');
  });
});

async function getRunStatus(app: TestApp, runId: string): Promise<string> {
  return (await app.http().get(`/api/runs/${runId}`).set(ADMIN).expect(200)).body.status;
}

describe('ACP permission requests: timeout, deny and auto_approve modes', () => {
  it('ask: no answer before subagents.acp.approval_timeout_secs denies the request', async () => {
    const app = await startAcpApp({
      SUBAGENTS_ACP_PERMISSION_MODE: 'ask',
      SUBAGENTS_ACP_APPROVAL_TIMEOUT_SECS: '1',
    });
    try {
      const spawned = await spawnAcp(app, { task: 'clean up', runtime_target: 'permission' });
      expectSucceeded(await waitForRun(app, spawned.run_id, undefined, 15_000));
      expect((await subagentOf(app, spawned.run_id)).result_text).toBe('permission outcome: reject');
      const entry = await permissionEntry(app, spawned.run_id);
      expect(entry.data).toMatchObject({ mode: 'ask', decision: 'deny', decided_by: 'timeout' });
      expect(entry.summary).toBe('denied: rm -rf build (ask, by timeout)');
    } finally {
      await app.close();
    }
  });

  it('deny: every request is rejected without asking anyone', async () => {
    const app = await startAcpApp({ SUBAGENTS_ACP_PERMISSION_MODE: 'deny' });
    try {
      const { client } = await connectedClient(app.baseUrl, TEST_ADMIN_KEY);
      const spawned = await spawnAcp(app, { task: 'clean up', runtime_target: 'permission' });
      expectSucceeded(await waitForRun(app, spawned.run_id, undefined, 15_000));
      expect((await subagentOf(app, spawned.run_id)).result_text).toBe('permission outcome: reject');
      expect((await permissionEntry(app, spawned.run_id)).data).toMatchObject({
        mode: 'deny',
        decision: 'deny',
        decided_by: 'deny',
      });
      expect(client.events.some((e) => e.event === 'exec.approval.requested')).toBe(false);
      client.ws.close();
    } finally {
      await app.close();
    }
  });

  it('auto_approve: every request is allowed (once) and logged', async () => {
    const app = await startAcpApp({ SUBAGENTS_ACP_PERMISSION_MODE: 'auto_approve' });
    try {
      const spawned = await spawnAcp(app, { task: 'clean up', runtime_target: 'permission' });
      expectSucceeded(await waitForRun(app, spawned.run_id, undefined, 15_000));
      expect((await subagentOf(app, spawned.run_id)).result_text).toBe('permission outcome: allow');
      const entry = await permissionEntry(app, spawned.run_id);
      expect(entry.data).toMatchObject({
        mode: 'auto_approve',
        decision: 'approve',
        answer: { outcome: 'selected', optionId: 'allow' },
      });
    } finally {
      await app.close();
    }
  });
});
