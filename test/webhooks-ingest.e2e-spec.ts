import { MetricsRegistry } from '../src/common/metrics/metrics-registry';
import { IngestTargets } from '../src/modules/webhooks/ingest/ingest-targets';
import { WebhookSecrets } from '../src/modules/webhooks/webhook-secrets';
import { WebhooksRepository } from '../src/modules/webhooks/webhooks.repository';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from './support/test-app';
import { createWebhook, rawPost, rawSocketExchange, sign, statusesIn } from './support/webhooks';

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
const MiB = 1_048_576;
// GitHub's documented example (docs.github.com, "Validating webhook deliveries").
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_BODY = 'Hello, World!';
const GITHUB_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('webhook ingest', () => {
  let app: TestApp;
  let signed: any;
  let open: any;

  const ingest = (id: string) => app.http().post(`/api/webhooks/${id}/ingest`);
  const ingestSigned = (id: string, secret: string, body: string, type = 'application/json') =>
    ingest(id).set('X-Hub-Signature-256', sign(secret, body)).set('Content-Type', type).send(body);
  const deliveries = async (id: string, query = '') =>
    (await app.http().get(`/api/webhooks/${id}/deliveries${query}`).set(admin).expect(200)).body;
  const rejections = async (reason: string) => {
    const metric = await app.app
      .get(MetricsRegistry)
      .registry.getSingleMetric('webhook_rejections_total')!
      .get();
    return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };

  beforeAll(async () => {
    // This suite is about the checks after the rate limit; the limit itself has its own app below.
    app = await startTestApp({ env: { RATE_LIMIT_WEBHOOK: '100000/60', WEBHOOK_WORKER_CONCURRENCY: '0' } });
    signed = await createWebhook(app, admin, {
      name: 'github',
      session_key: 'agent:main:ci',
      secret: GITHUB_SECRET,
    });
    open = await createWebhook(app, admin, { name: 'open', session_key: 'agent:main:open' });
  });
  afterAll(() => app?.close());

  describe('signatures', () => {
    it("accepts GitHub's documented example (X-Hub-Signature-256) and stores the payload without the signature", async () => {
      expect(sign(GITHUB_SECRET, GITHUB_BODY)).toBe(GITHUB_SIGNATURE);
      const res = await ingest(signed.id)
        .set('Content-Type', 'text/plain')
        .set('X-Hub-Signature-256', GITHUB_SIGNATURE)
        .set('X-GitHub-Event', 'push')
        .set('Authorization', 'Bearer something-secret')
        .set('Cookie', 'mc_session=abc')
        .send(GITHUB_BODY)
        .expect(202);
      expect(res.body).toEqual({ delivery_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      const detail = (
        await app
          .http()
          .get(`/api/webhooks/${signed.id}/deliveries/${res.body.delivery_id}`)
          .set(admin)
          .expect(200)
      ).body;
      expect(detail).toMatchObject({
        status: 'accepted',
        payload: GITHUB_BODY,
        payload_encoding: 'utf8',
        payload_bytes: 13,
        attempts: 0,
      });
      expect(detail.headers['x-github-event']).toBe('push');
      for (const h of ['x-hub-signature-256', 'authorization', 'cookie'])
        expect(detail.headers[h]).toBeUndefined();
      expect(JSON.stringify(detail)).not.toContain('something-secret');
    });

    it('refuses a wrong signature with 403 WEBHOOK_SIGNATURE_INVALID and stores nothing', async () => {
      const before = (await deliveries(signed.id)).total;
      const counted = await rejections('signature');
      for (const signature of [
        sign('another secret', GITHUB_BODY),
        sign(GITHUB_SECRET, 'Hello, World?'),
        GITHUB_SIGNATURE.replace('sha256=', 'sha1='),
        'sha256=zz',
        GITHUB_SIGNATURE.slice(0, -2),
        GITHUB_SIGNATURE.slice('sha256='.length),
      ]) {
        const res = await ingest(signed.id)
          .set('Content-Type', 'text/plain')
          .set('X-Hub-Signature-256', signature)
          .send(GITHUB_BODY)
          .expect(403);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      }
      expect((await deliveries(signed.id)).total).toBe(before);
      expect(await rejections('signature')).toBe(counted + 6);
    });

    it('refuses a missing signature with 403 WEBHOOK_SIGNATURE_MISSING naming the headers', async () => {
      const res = await ingest(signed.id).set('Content-Type', 'text/plain').send(GITHUB_BODY).expect(403);
      expect(res.body.code).toBe('WEBHOOK_SIGNATURE_MISSING');
      expect(res.body.detail).toContain('x-hub-signature-256');
      expect(res.body.detail).toContain('x-webhook-signature');
      const blank = await ingest(signed.id)
        .set('Content-Type', 'text/plain')
        .set('X-Webhook-Signature', ' ')
        .send(GITHUB_BODY)
        .expect(403);
      expect(blank.body.code).toBe('WEBHOOK_SIGNATURE_MISSING');
    });

    it('accepts the alternative X-Webhook-Signature header', async () => {
      const body = JSON.stringify({ event: 'deploy', ok: true });
      await ingest(signed.id)
        .set('Content-Type', 'application/json')
        .set('X-Webhook-Signature', sign(GITHUB_SECRET, body))
        .send(body)
        .expect(202);
    });

    it("accepts the webhook's custom signature header (and still the standard ones)", async () => {
      const custom = await createWebhook(app, admin, {
        name: 'custom-header',
        session_key: 'agent:main:custom',
        secret: 's3cret-value',
        signature_header: 'X-Acme-Signature',
      });
      expect(custom).toMatchObject({ has_secret: true, signature_header: 'X-Acme-Signature' });
      expect(JSON.stringify(custom)).not.toContain('s3cret-value');
      const body = '{"a":1}';
      await ingest(custom.id)
        .set('X-Acme-Signature', sign('s3cret-value', body))
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(202);
      await ingest(custom.id)
        .set('X-Hub-Signature-256', sign('s3cret-value', body))
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(202);
      const wrong = await ingest(custom.id)
        .set('X-Acme-Signature', sign('nope', body))
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(403);
      expect(wrong.body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      const detail = await deliveries(custom.id);
      expect(detail.total).toBe(2);
    });

    it('verifies against a secret:<name> vault reference, and a rotated secret takes effect at once', async () => {
      await app
        .http()
        .put('/api/secrets/ci-hook')
        .set(admin)
        .send({ value: 'from-the-vault' })
        .expect((r) => expect([200, 201]).toContain(r.status));
      const byRef = await createWebhook(app, admin, {
        name: 'by-ref',
        session_key: 'agent:main:ref',
        secret: 'secret:ci-hook',
      });
      expect(byRef).toMatchObject({ has_secret: true, secret_kind: 'reference' });
      await ingest(byRef.id)
        .set('X-Hub-Signature-256', sign('from-the-vault', 'x'))
        .set('Content-Type', 'text/plain')
        .send('x')
        .expect(202);
      await app.http().patch(`/api/webhooks/${byRef.id}`).set(admin).send({ secret: 'replaced' }).expect(200);
      await ingestSigned(byRef.id, 'from-the-vault', 'x', 'text/plain').expect(403);
      await ingestSigned(byRef.id, 'replaced', 'x', 'text/plain').expect(202);
    });
  });

  describe('payload size (1 MiB, counted on the stream)', () => {
    const body = (n: number) => Buffer.alloc(n, 'a');
    const chunked = (n: number, size = 64 * 1024) => {
      const out: Buffer[] = [];
      for (let i = 0; i < n; i += size) out.push(body(Math.min(size, n - i)));
      return out;
    };

    it('accepts exactly 1,048,576 bytes with Content-Length and refuses 1,048,577 with 413', async () => {
      const ok = await rawPost(app.baseUrl, `/api/webhooks/${open.id}/ingest`, {
        chunks: [body(MiB)],
        contentLength: MiB,
      });
      expect(ok.status).toBe(202);
      const tooBig = await rawPost(app.baseUrl, `/api/webhooks/${open.id}/ingest`, {
        chunks: [body(MiB + 1)],
        contentLength: MiB + 1,
      });
      expect(tooBig.status).toBe(413);
      expect(tooBig.json()).toMatchObject({ code: 'WEBHOOK_PAYLOAD_TOO_LARGE', limit_bytes: MiB });
      const stored = await app
        .http()
        .get(`/api/webhooks/${open.id}/deliveries/${ok.json().delivery_id}`)
        .set(admin)
        .expect(200);
      expect(stored.body.payload_bytes).toBe(MiB);
    });

    it('counts chunked bodies without Content-Length: 1,048,576 accepted, 1,048,577 refused', async () => {
      const ok = await rawPost(app.baseUrl, `/api/webhooks/${open.id}/ingest`, { chunks: chunked(MiB) });
      expect(ok.status).toBe(202);
      const tooBig = await rawPost(app.baseUrl, `/api/webhooks/${open.id}/ingest`, {
        chunks: chunked(MiB + 1),
      });
      expect(tooBig.status).toBe(413);
      // One byte over in a chunk of its own, after a full megabyte.
      const lastByte = await rawPost(app.baseUrl, `/api/webhooks/${open.id}/ingest`, {
        chunks: [...chunked(MiB), body(1)],
      });
      expect(lastByte.status).toBe(413);
      // Far over: refused long before the sender is done (it would send 8 MiB).
      const flood = await rawPost(app.baseUrl, `/api/webhooks/${open.id}/ingest`, {
        chunks: chunked(8 * MiB),
      });
      expect(flood.status).toBe(413);
    });

    it('refuses a declared Content-Length over the limit before reading the body', async () => {
      // Only the head and a few bytes are sent: the answer must not wait for the rest.
      const raw = await rawSocketExchange(
        app.port,
        `POST /api/webhooks/${open.id}/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * MiB}\r\n\r\n`,
        Buffer.from('{"partial":'),
      );
      expect(statusesIn(raw)[0]).toBe(413);
    });

    it('a lying Content-Length cannot smuggle more than it declares, nor more than the limit', async () => {
      // More bytes than declared: the declared length is the body, the rest would be a next
      // request on the connection, which is garbage, so the server answers 400 and closes
      // (possibly before the first answer). Whatever the client saw, nothing longer than the
      // declared length is ever stored, and a 202 means it was.
      for (const [declared, sent] of [
        [MiB, MiB + 1],
        [16, 2 * MiB],
      ]) {
        const key = `lying-${declared}-${Date.now()}`;
        const raw = await rawSocketExchange(
          app.port,
          `POST /api/webhooks/${open.id}/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nX-Webhook-Id: ${key}\r\nContent-Length: ${declared}\r\n\r\n`,
          body(sent),
        );
        const statuses = statusesIn(raw);
        expect(statuses.length).toBeGreaterThan(0);
        expect(statuses.every((s) => s === 202 || s === 400)).toBe(true);
        const stored = (await deliveries(open.id, '?limit=500')).items.filter(
          (d: any) => d.idempotency_key === key,
        );
        if (statuses[0] === 202) expect(stored).toHaveLength(1);
        expect(stored.every((d: any) => d.payload_bytes === declared)).toBe(true);
      }
    });

    it('checks the size before the signature (an oversized signed body is 413, not 403)', async () => {
      const res = await rawPost(app.baseUrl, `/api/webhooks/${signed.id}/ingest`, {
        chunks: [body(MiB + 1)],
        contentLength: MiB + 1,
      });
      expect(res.status).toBe(413);
    });
  });

  describe('unknown and disabled webhooks', () => {
    it('answers 404 WEBHOOK_NOT_FOUND for an unknown id (well-formed or not)', async () => {
      for (const id of ['3f1c9a2e-8d4b-4c6a-9e2f-1a2b3c4d5e6f', 'not-a-uuid']) {
        const res = await ingest(id).set('Content-Type', 'application/json').send('{}').expect(404);
        expect(res.body.code).toBe('WEBHOOK_NOT_FOUND');
      }
    });

    it('answers 410 WEBHOOK_DISABLED while disabled, before looking at size or signature', async () => {
      const hook = await createWebhook(app, admin, {
        name: 'toggle',
        session_key: 'agent:main:toggle',
        secret: 'toggle-secret',
        enabled: false,
      });
      const res = await ingest(hook.id).set('Content-Type', 'application/json').send('{}').expect(410);
      expect(res.body.code).toBe('WEBHOOK_DISABLED');
      const big = await rawPost(app.baseUrl, `/api/webhooks/${hook.id}/ingest`, {
        chunks: [Buffer.alloc(MiB + 1)],
        contentLength: MiB + 1,
      });
      expect(big.status).toBe(410);
      await app.http().patch(`/api/webhooks/${hook.id}`).set(admin).send({ enabled: true }).expect(200);
      await ingest(hook.id)
        .set('X-Hub-Signature-256', sign('toggle-secret', '{}'))
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(202);
    });

    it('answers 404 once the webhook is deleted', async () => {
      const hook = await createWebhook(app, admin, { name: 'short-lived', session_key: 'agent:main:x' });
      await ingest(hook.id).set('Content-Type', 'application/json').send('{}').expect(202);
      await app.http().delete(`/api/webhooks/${hook.id}`).set(admin).expect(200);
      await ingest(hook.id).set('Content-Type', 'application/json').send('{}').expect(404);
    });
  });

  describe('idempotency', () => {
    it.each(['X-GitHub-Delivery', 'X-Webhook-Id', 'Idempotency-Key'])(
      'a repeated %s returns the original delivery_id with 200',
      async (header) => {
        const key = `${header}-${Date.now()}`;
        const before = (await deliveries(open.id)).total;
        const first = await ingest(open.id)
          .set(header, key)
          .set('Content-Type', 'application/json')
          .send('{"n":1}')
          .expect(202);
        const again = await ingest(open.id)
          .set(header, key)
          .set('Content-Type', 'application/json')
          .send('{"n":1}')
          .expect(200);
        expect(again.body).toEqual({ delivery_id: first.body.delivery_id, duplicate: true });
        expect((await deliveries(open.id)).total).toBe(before + 1);
      },
    );

    it('concurrent repeats of one key (committed together) still yield one delivery', async () => {
      const before = (await deliveries(open.id)).total;
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          ingest(open.id)
            .set('X-GitHub-Delivery', 'burst-key')
            .set('Content-Type', 'application/json')
            .send('{"burst":true}'),
        ),
      );
      expect(answers.filter((r) => r.status === 202)).toHaveLength(1);
      expect(answers.filter((r) => r.status === 200)).toHaveLength(19);
      expect(new Set(answers.map((r) => r.body.delivery_id)).size).toBe(1);
      expect((await deliveries(open.id)).total).toBe(before + 1);
    });

    it('keys are per webhook, and a malformed key is a 400', async () => {
      const other = await createWebhook(app, admin, { name: 'other-idem', session_key: 'agent:main:y' });
      const a = await ingest(open.id)
        .set('X-GitHub-Delivery', 'shared-key')
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(202);
      const b = await ingest(other.id)
        .set('X-GitHub-Delivery', 'shared-key')
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(202);
      expect(a.body.delivery_id).not.toBe(b.body.delivery_id);
      const bad = await ingest(open.id)
        .set('Idempotency-Key', 'x'.repeat(201))
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(400);
      expect(bad.body.code).toBe('WEBHOOK_IDEMPOTENCY_KEY_INVALID');
    });
  });

  describe('definition cache (WEBHOOK_CONFIG_CACHE_MS, 2 s here)', () => {
    // Time is moved with a Date.now spy rather than waited for; reads are counted on the real repository.
    let now: number;
    let reads: jest.SpyInstance;
    let opens: jest.SpyInstance;
    beforeEach(() => {
      now = Date.now();
      jest.spyOn(Date, 'now').mockImplementation(() => now);
      reads = jest.spyOn(app.app.get(WebhooksRepository), 'findByIdForIngest');
      opens = jest.spyOn(app.app.get(WebhookSecrets), 'plaintextOf');
    });
    afterEach(() => jest.restoreAllMocks());

    it('a burst after expiry reads the definition once and opens the secret once', async () => {
      const targets = app.app.get(IngestTargets);
      const hook = await createWebhook(app, admin, {
        name: 'cached',
        session_key: 'agent:main:cached',
        secret: 'cached-secret',
      });
      const first = (await targets.find(hook.id))!;
      expect(await targets.secretOf(first)).toBe('cached-secret');
      expect([reads.mock.calls.length, opens.mock.calls.length]).toEqual([1, 1]);

      now += 2_001;
      const burst = await Promise.all(Array.from({ length: 20 }, () => targets.find(hook.id)));
      expect(reads.mock.calls.length).toBe(2);
      expect(new Set(burst).size).toBe(1);
      const secrets = await Promise.all(burst.map((target) => targets.secretOf(target!)));
      expect(new Set(secrets)).toEqual(new Set(['cached-secret']));
      expect(opens.mock.calls.length).toBe(2);

      // A new secret applies at once (the change drops the entry).
      await app
        .http()
        .patch(`/api/webhooks/${hook.id}`)
        .set(admin)
        .send({ secret: 'next-secret' })
        .expect(200);
      await ingestSigned(hook.id, 'cached-secret', '{}').expect(403);
      await ingestSigned(hook.id, 'next-secret', '{}').expect(202);
      expect(opens.mock.calls.length).toBe(3);
    });

    it('a vault lock refuses signed deliveries (503, nothing stored) once the cached definition expires; unlock restores them', async () => {
      const hook = await createWebhook(app, admin, {
        name: 'vaulted',
        session_key: 'agent:main:vaulted',
        secret: 'vault-secret',
      });
      await ingestSigned(hook.id, 'vault-secret', '{}').expect(202);
      await app
        .http()
        .post('/api/secrets/lock')
        .set(admin)
        .send({ reason: 'test' })
        .expect((r) => expect(r.status).toBeLessThan(300));
      try {
        now += 2_001;
        const refused = await ingestSigned(hook.id, 'vault-secret', '{}').expect(503);
        expect(refused.body.code).toBe('WEBHOOK_SECRET_UNAVAILABLE');
        expect(refused.headers['retry-after']).toBe('30');
        expect((await deliveries(hook.id)).total).toBe(1);
      } finally {
        await app
          .http()
          .delete('/api/secrets/lock')
          .set(admin)
          .expect((r) => expect(r.status).toBeLessThan(300));
      }
      now += 2_001;
      await ingestSigned(hook.id, 'vault-secret', '{}').expect(202);
    });

    it('a read that was in flight when the webhook changed is not kept', async () => {
      const targets = app.app.get(IngestTargets);
      const hook = await createWebhook(app, admin, { name: 'changing', session_key: 'agent:main:changing' });
      // Hold the read after it has fetched the row (still enabled) until the change has committed.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let fetched!: () => void;
      const rowRead = new Promise<void>((r) => (fetched = r));
      reads.mockImplementationOnce(async (id: string) => {
        const row = await WebhooksRepository.prototype.findByIdForIngest.call(
          app.app.get(WebhooksRepository),
          id,
        );
        fetched();
        await held;
        return row;
      });
      const inFlight = targets.find(hook.id);
      await rowRead;
      await app.http().patch(`/api/webhooks/${hook.id}`).set(admin).send({ enabled: false }).expect(200);
      release();
      expect((await inFlight)!.webhook.enabled).toBe(true);
      expect((await targets.find(hook.id))!.webhook.enabled).toBe(false);
      await ingest(hook.id).set('Content-Type', 'application/json').send('{}').expect(410);
    });
  });

  describe('organizations', () => {
    it("another organization's key sees 404 for this organization's webhooks", async () => {
      const org = await app
        .http()
        .post('/api/orgs')
        .set(admin)
        .send({ slug: `wh-other-${Date.now()}`, name: 'Other' })
        .expect(201);
      const other = { Authorization: `Bearer ${org.body.admin_api_key.api_key}` };
      await app.http().get(`/api/webhooks/${signed.id}`).set(other).expect(404);
      await app.http().get(`/api/webhooks/${signed.id}/deliveries`).set(other).expect(404);
      await app.http().patch(`/api/webhooks/${signed.id}`).set(other).send({ enabled: false }).expect(404);
      await app.http().delete(`/api/webhooks/${signed.id}`).set(other).expect(404);
      const list = await app.http().get('/api/webhooks').set(other).expect(200);
      expect(list.body).toMatchObject({ items: [], total: 0 });
      // Their own webhook, with the same name as ours, is theirs alone.
      const theirs = await createWebhook(app, other, { name: 'github', session_key: 'agent:main:ci' });
      await app.http().get(`/api/webhooks/${theirs.id}`).set(admin).expect(404);
    });

    it('a locked organization answers 423 ORG_LOCKED on ingest', async () => {
      const org = await app
        .http()
        .post('/api/orgs')
        .set(admin)
        .send({ slug: `wh-locked-${Date.now()}`, name: 'Locked' })
        .expect(201);
      const theirs = { Authorization: `Bearer ${org.body.admin_api_key.api_key}` };
      const hook = await createWebhook(app, theirs, { name: 'alerts', session_key: 'agent:main:alerts' });
      await ingest(hook.id).set('Content-Type', 'application/json').send('{}').expect(202);
      await app
        .http()
        .post(`/api/orgs/${org.body.id}/lock`)
        .set(admin)
        .send({ reason: 'test' })
        .expect((r) => expect(r.status).toBeLessThan(300));
      const res = await ingest(hook.id).set('Content-Type', 'application/json').send('{}').expect(423);
      expect(res.body.code).toBe('ORG_LOCKED');
    });
  });
});

describe('webhook ingest rate limit (60 / 60 s per client IP)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { WEBHOOK_WORKER_CONCURRENCY: '0' } });
  });
  afterAll(() => app?.close());

  it('the 61st request within a minute gets 429 with Retry-After, before any other check', async () => {
    const hook = await createWebhook(app, admin, { name: 'busy', session_key: 'agent:main:busy' });
    for (let i = 1; i <= 60; i++) {
      const res = await app
        .http()
        .post(`/api/webhooks/${hook.id}/ingest`)
        .set('Content-Type', 'application/json')
        .send(`{"i":${i}}`);
      expect(res.status).toBe(202);
    }
    const limited = await app
      .http()
      .post(`/api/webhooks/${hook.id}/ingest`)
      .set('Content-Type', 'application/json')
      .send('{"i":61}')
      .expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Even an unknown webhook is 429 now: the limit comes first.
    await app.http().post('/api/webhooks/3f1c9a2e-8d4b-4c6a-9e2f-1a2b3c4d5e6f/ingest').send('{}').expect(429);
    const list = await app.http().get(`/api/webhooks/${hook.id}/deliveries`).set(admin).expect(200);
    expect(list.body.total).toBe(60);
    const metric = await app.app
      .get(MetricsRegistry)
      .registry.getSingleMetric('webhook_rejections_total')!
      .get();
    expect(metric.values.find((v) => v.labels.reason === 'rate')?.value).toBe(2);
  });
});
