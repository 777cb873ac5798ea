import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeYooKassaApi } from "./fakes/fake-yookassa-api.ts";

/**
 * The fake YooKassa must refuse what the real API refuses, or tests against it prove nothing:
 * each rule is shown rejecting a bad request and accepting the good one, with plain fetch.
 */
describe("fake YooKassa API v3", () => {
  const fake = new FakeYooKassaApi({ shopId: "654321", secretKey: "test_secret_key" });
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const goodAuth = basic("654321", "test_secret_key");

  /** A payment, refund or error: typed only as far as the tests pass its fields on. */
  type Body = Record<string, unknown> & { id: string; created_at: string; confirmation: { confirmation_url: string } };
  type Answer = { status: number; body: Body };
  async function call(
    method: string,
    path: string,
    body?: unknown,
    options: { key?: string | null; auth?: string | null; contentType?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    const auth = options.auth === undefined ? goodAuth : options.auth;
    if (auth !== null) headers.authorization = auth;
    const key = options.key === undefined ? randomUUID() : options.key;
    if (method === "POST" && key !== null) headers["idempotence-key"] = key;
    if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
    const response = await fetch(`${fake.url}/v3${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Body };
  }

  const order = (extra: Record<string, unknown> = {}) => ({
    amount: { value: "4990.00", currency: "RUB" },
    capture: true,
    confirmation: { type: "redirect", return_url: "https://shop.example/thanks" },
    description: "Order 1",
    ...extra,
  });
  const create = (body: unknown, key?: string) => call("POST", "/payments", body, key ? { key } : {});
  const receipt = (items: unknown[], customer: unknown = { email: "anna@example.com" }) => ({ customer, items });
  const item = (extra: Record<string, unknown> = {}) => ({
    description: "Course",
    quantity: "1.00",
    amount: { value: "4990.00", currency: "RUB" },
    vat_code: 1,
    payment_mode: "full_payment",
    payment_subject: "service",
    ...extra,
  });

  /** A refused create: the status, the error shape, the parameter named, and no payment made. */
  async function expectRefused(body: unknown, parameter: string | undefined, status = 400, code = "invalid_request") {
    const before = fake.createdPayments();
    const answer = await create(body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body).toMatchObject({ type: "error", code });
    expect(answer.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof answer.body.description).toBe("string");
    if (parameter) expect(answer.body.parameter).toBe(parameter);
    expect(fake.createdPayments()).toBe(before);
    return answer.body;
  }

  async function paidPayment(value = "1000.00"): Promise<string> {
    const answer = await create(order({ amount: { value, currency: "RUB" } }));
    fake.succeed(answer.body.id);
    return answer.body.id;
  }

  const webhook: { server?: Server; url: string; status: number; received: unknown[] } = { url: "", status: 200, received: [] };

  beforeAll(async () => {
    await fake.start();
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      webhook.received.push({ contentType: req.headers["content-type"], body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(webhook.status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    webhook.server = server;
    webhook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/yookassa/webhook`;
  });
  afterAll(async () => {
    await fake.stop();
    await new Promise<void>((resolve) => webhook.server?.close(() => resolve()));
  });

  it("requires HTTP Basic auth with shopId:secretKey", async () => {
    for (const auth of [null, basic("654321", "wrong"), basic("123456", "test_secret_key"), "Bearer test_secret_key"]) {
      const answer = await call("POST", "/payments", order(), { auth });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ type: "error", code: "invalid_credentials" });
      expect(answer.body.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await call("GET", `/payments/${randomUUID()}`, undefined, { auth: null })).status).toBe(401);
    expect(fake.createdPayments()).toBe(0);
    expect((await create(order())).status).toBe(200);
  });

  it("requires an Idempotence-Key of at most 64 characters and a JSON body", async () => {
    const missing = await call("POST", "/payments", order(), { key: null });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ type: "error", code: "invalid_request" });
    expect(missing.body.description).toMatch(/Idempotence-Key/);
    expect((await call("POST", "/payments", order(), { key: "k".repeat(65) })).status).toBe(400);
    expect((await call("POST", "/payments", "{not json", {})).status).toBe(400);
    expect((await call("POST", "/payments", order(), { contentType: "text/plain" })).status).toBe(415);
    expect((await call("POST", "/payments", order(), { key: "k".repeat(64) })).status).toBe(200);
  });

  it("takes amount.value only as a string with two decimals above zero, and a 3-letter currency", async () => {
    for (const value of [4990, "4990", "49.9", "49.999", "4 990.00", "4990,00", "0.00", "-1.00"]) {
      await expectRefused(order({ amount: { value, currency: "RUB" } }), "amount.value");
    }
    await expectRefused(order({ amount: { value: "4990.00", currency: "rub" } }), "amount.currency");
    await expectRefused(order({ amount: undefined }), "amount");
    await expectRefused(order({ capture: "true" }), "capture");
    expect((await create(order({ amount: { value: "0.01", currency: "RUB" } }))).status).toBe(200);
  });

  it("requires a redirect confirmation with a return_url", async () => {
    await expectRefused(order({ confirmation: undefined }), "confirmation");
    await expectRefused(order({ confirmation: { type: "embedded" } }), "confirmation");
    await expectRefused(order({ confirmation: { type: "redirect" } }), "confirmation.return_url");
    await expectRefused(order({ confirmation: { type: "redirect", return_url: "thanks" } }), "confirmation.return_url");
  });

  it("limits description to 128 characters and metadata to 16 string values with short keys", async () => {
    await expectRefused(order({ description: "x".repeat(129) }), "description");
    await expectRefused(order({ description: 42 }), "description");
    expect((await create(order({ description: "я".repeat(128) }))).status).toBe(200);
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
    for (const metadata of [many, { ["k".repeat(33)]: "v" }, { order: "x".repeat(513) }, { order: 42 }, ["order"], "order"]) {
      await expectRefused(order({ metadata }), "metadata");
    }
    const metadata = { ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, "v"])), ["k".repeat(32)]: "x".repeat(512) };
    const ok = await create(order({ metadata }));
    expect(ok.status).toBe(200);
    expect(ok.body.metadata).toEqual(metadata);
  });

  it("checks a 54-FZ receipt: a customer contact, valid items, a total equal to the amount", async () => {
    const refused = [
      [receipt([item()], {}), "receipt.customer"],
      [{ items: [item()] }, "receipt.customer"],
      [receipt([]), "receipt.items"],
      [receipt([item({ description: "x".repeat(129) })]), "receipt.items[0].description"],
      [receipt([item({ quantity: "one" })]), "receipt.items[0].quantity"],
      [receipt([item({ quantity: 0 })]), "receipt.items[0].quantity"],
      [receipt([item({ amount: { value: 4990, currency: "RUB" } })]), "receipt.items[0].amount.value"],
      [receipt([item({ vat_code: 7 })]), "receipt.items[0].vat_code"],
      [receipt([item({ vat_code: "1" })]), "receipt.items[0].vat_code"],
      [receipt([item({ payment_mode: 1 })]), "receipt.items[0].payment_mode"],
      [receipt([item({ amount: { value: "4000.00", currency: "RUB" } })]), "receipt.items"],
    ] as const;
    for (const [bad, parameter] of refused) await expectRefused(order({ receipt: bad }), parameter);
    const byPhone = receipt(
      [item({ quantity: 2, amount: { value: "2000.00", currency: "RUB" } }), item({ amount: { value: "990.00", currency: "RUB" } })],
      {
        phone: "79001234567",
      },
    );
    expect((await create(order({ receipt: byPhone }))).status).toBe(200);
    expect((await create(order({ receipt: receipt([item()]) }))).status).toBe(200);
  });

  it("answers a pending payment with a confirmation_url that opens the fake checkout, and serves it by id", async () => {
    const answer = await create(order({ metadata: { orderId: "42" } }));
    expect(answer.status).toBe(200);
    const payment = answer.body;
    expect(payment).toMatchObject({
      status: "pending",
      paid: false,
      amount: { value: "4990.00", currency: "RUB" },
      description: "Order 1",
      metadata: { orderId: "42" },
      test: true,
      refundable: false,
      recipient: { account_id: "654321" },
      confirmation: { type: "redirect", return_url: "https://shop.example/thanks", confirmation_url: `${fake.url}/checkout/${payment.id}` },
    });
    expect(payment.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(payment.created_at).toISOString()).toBe(payment.created_at);
    expect(payment).not.toHaveProperty("expires_at");
    const page = await fetch(payment.confirmation.confirmation_url);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/fake YooKassa checkout/i);
    expect(await call("GET", `/payments/${payment.id}`)).toEqual({ status: 200, body: payment });
    const unknown = await call("GET", `/payments/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: "error", code: "not_found" });
  });

  it("replays the same payment for the same key and body, refuses the key with another body", async () => {
    const key = randomUUID();
    const first = await create(order(), key);
    const count = fake.createdPayments();
    const { description, ...rest } = order();
    const replay = await create({ description, ...rest }, key); // same body, other key order
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(first.body.id);
    expect(fake.createdPayments()).toBe(count);
    const other = await create(order({ description: "Order 2" }), key);
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ type: "error", code: "invalid_request" });
    expect(other.body.description).toMatch(/Idempotence-Key/);
    expect(
      (await call("POST", "/refunds", { payment_id: first.body.id, amount: { value: "1.00", currency: "RUB" } }, { key })).status,
    ).toBe(400);
    // A refused request leaves the key free for the corrected one.
    const fixKey = randomUUID();
    expect((await create(order({ amount: { value: 1, currency: "RUB" } }), fixKey)).status).toBe(400);
    expect((await create(order(), fixKey)).status).toBe(200);
    expect(fake.createdPayments()).toBe(count + 1);
  });

  it("failNext answers errors and creates nothing; failNextAfterCreate loses the response of a created payment", async () => {
    const count = fake.createdPayments();
    fake.failNext(2);
    const key = randomUUID();
    for (let i = 0; i < 2; i++) {
      const failed = await create(order(), key);
      expect(failed.status).toBe(500);
      expect(failed.body).toMatchObject({ type: "error", code: "internal_server_error" });
    }
    expect(fake.createdPayments()).toBe(count);
    fake.failNext(1, 503);
    expect((await create(order())).status).toBe(503);
    const created = await create(order(), key);
    expect(created.status).toBe(200);
    expect(fake.createdPayments()).toBe(count + 1);

    fake.failNextAfterCreate(1);
    const lostKey = randomUUID();
    expect((await create(order({ description: "Lost" }), lostKey)).status).toBe(500);
    expect(fake.createdPayments()).toBe(count + 2);
    const retry = await create(order({ description: "Lost" }), lostKey);
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(fake.payments.at(-1)?.id);
    expect(fake.createdPayments()).toBe(count + 2);
  });

  it("succeed marks the payment paid and notify posts it to the webhook like YooKassa", async () => {
    const { body } = await create(order({ amount: { value: "1000.00", currency: "RUB" } }));
    await expect(fake.notify(webhook.url, "payment.succeeded", body.id)).rejects.toThrow(/pending/);
    fake.succeed(body.id);
    const payment = (await call("GET", `/payments/${body.id}`)).body;
    expect(payment).toMatchObject({
      status: "succeeded",
      paid: true,
      refundable: true,
      income_amount: { value: "965.00", currency: "RUB" },
      payment_method: { type: "bank_card", saved: false, title: "Bank card *4444" },
    });
    expect(typeof payment.captured_at).toBe("string");
    expect(() => fake.succeed(body.id)).toThrow();

    webhook.received.length = 0;
    webhook.status = 200;
    expect(await fake.notify(webhook.url, "payment.succeeded", body.id)).toBe(200);
    expect(webhook.received).toEqual([
      { contentType: "application/json", body: { type: "notification", event: "payment.succeeded", object: payment } },
    ]);
    webhook.status = 503;
    expect(await fake.notifyForged(webhook.url, { type: "notification", event: "payment.succeeded", object: { id: "forged" } })).toBe(503);
    expect(webhook.received[1]).toMatchObject({ body: { object: { id: "forged" } } });
    webhook.status = 200;
  });

  it("a payment made with capture: false waits for capture and can be canceled by the merchant", async () => {
    const { body } = await create(order({ capture: false }));
    fake.succeed(body.id);
    expect(fake.payment(body.id)).toMatchObject({ status: "waiting_for_capture", paid: true });
    expect(await fake.notify(webhook.url, "payment.waiting_for_capture", body.id)).toBe(200);
    const canceled = await call("POST", `/payments/${body.id}/cancel`, {});
    expect(canceled.body).toMatchObject({
      status: "canceled",
      cancellation_details: { party: "merchant", reason: "canceled_by_merchant" },
    });
  });

  it("cancels a pending payment by API (with a key) or by YooKassa itself; a finished payment stays as it is", async () => {
    const pending = (await create(order())).body;
    expect((await call("POST", `/payments/${pending.id}/cancel`, {}, { key: null })).status).toBe(400);
    expect((await call("GET", `/payments/${pending.id}/cancel`)).status).toBe(405);
    const key = randomUUID();
    const canceled = await call("POST", `/payments/${pending.id}/cancel`, {}, { key });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({
      status: "canceled",
      paid: false,
      cancellation_details: { party: "merchant", reason: "canceled_by_merchant" },
    });
    expect((await call("POST", `/payments/${pending.id}/cancel`, {}, { key })).status).toBe(200); // replay
    expect((await call("POST", `/payments/${pending.id}/cancel`, {})).status).toBe(400); // already canceled
    expect((await call("POST", `/payments/${await paidPayment()}/cancel`, {})).status).toBe(400);
    expect((await call("POST", `/payments/${randomUUID()}/cancel`, {})).status).toBe(404);

    const expired = (await create(order())).body;
    fake.cancel(expired.id);
    const payment = (await call("GET", `/payments/${expired.id}`)).body;
    expect(payment).toMatchObject({ status: "canceled", cancellation_details: { party: "yoo_money", reason: "expired_on_confirmation" } });
    webhook.received.length = 0;
    expect(await fake.notify(webhook.url, "payment.canceled", expired.id)).toBe(200);
    expect(webhook.received).toMatchObject([{ body: { event: "payment.canceled", object: payment } }]);
    expect(() => fake.succeed(expired.id)).toThrow();
  });

  it("refunds only a succeeded payment, at most what is left, idempotently", async () => {
    const refund = (paymentId: string, value: string | number, key?: string) =>
      call("POST", "/refunds", { payment_id: paymentId, amount: { value, currency: "RUB" }, description: "Refund" }, key ? { key } : {});
    const pending = (await create(order())).body;
    expect((await refund(pending.id, "1.00")).status).toBe(400);
    expect((await refund(randomUUID(), "1.00")).body).toMatchObject({ code: "invalid_request", parameter: "payment_id" });
    const id = await paidPayment("1000.00");
    expect((await refund(id, 300)).body.parameter).toBe("amount.value");
    expect((await call("POST", "/refunds", { payment_id: id, amount: { value: "1.00", currency: "RUB" } }, { key: null })).status).toBe(
      400,
    );

    const key = randomUUID();
    const first = await refund(id, "300.00", key);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ payment_id: id, status: "succeeded", amount: { value: "300.00", currency: "RUB" } });
    expect(typeof first.body.created_at).toBe("string");
    expect((await refund(id, "300.00", key)).body.id).toBe(first.body.id);
    expect(fake.refunds.filter((r) => r.payment_id === id)).toHaveLength(1);
    expect((await refund(id, "400.00", key)).status).toBe(400);
    expect(fake.payment(id)).toMatchObject({ refunded_amount: { value: "300.00", currency: "RUB" }, refundable: true });

    expect((await refund(id, "700.01")).body.parameter).toBe("amount.value");
    expect((await refund(id, "700.00")).status).toBe(200);
    expect(fake.payment(id)).toMatchObject({ refunded_amount: { value: "1000.00", currency: "RUB" }, refundable: false });
    expect((await refund(id, "0.01")).status).toBe(400);

    webhook.received.length = 0;
    expect(await fake.notify(webhook.url, "refund.succeeded", first.body.id)).toBe(200);
    expect(webhook.received).toEqual([
      { contentType: "application/json", body: { type: "notification", event: "refund.succeeded", object: first.body } },
    ]);

    const asked = await call("GET", `/refunds/${first.body.id}`);
    expect(asked).toMatchObject({ status: 200, body: first.body });
    expect((await call("GET", `/refunds/${randomUUID()}`)).body).toMatchObject({ type: "error", code: "not_found" });
    expect((await call("POST", `/refunds/${first.body.id}`, {})).status).toBe(405);
  });

  it("refunds by hand in the dashboard: no key, the refund known to GET /v3/refunds/{id} and its notification", async () => {
    const id = await paidPayment("500.00");
    const refund = fake.refundInDashboard(id, "200.00");
    expect(refund).toMatchObject({ payment_id: id, status: "succeeded", amount: { value: "200.00", currency: "RUB" } });
    expect((await call("GET", `/refunds/${refund.id}`)).body).toEqual(refund);
    expect(fake.payment(id)).toMatchObject({ refunded_amount: { value: "200.00", currency: "RUB" } });
    expect(() => fake.refundInDashboard(id, "300.01")).toThrow(/exceeds/);
  });

  it("records every API call with its key, body and answer", async () => {
    const key = randomUUID();
    const { body } = await create(order({ description: "Recorded" }), key);
    const recorded = fake.calls.find((c) => c.idempotenceKey === key);
    expect(recorded).toMatchObject({ method: "POST", path: "/v3/payments", status: 200, body: order({ description: "Recorded" }) });
    expect(recorded?.at).toBeGreaterThan(0);
    await call("GET", `/payments/${body.id}`);
    expect(fake.calls.at(-1)).toMatchObject({ method: "GET", path: `/v3/payments/${body.id}`, status: 200, idempotenceKey: undefined });
    expect(fake.calls.some((c) => c.status === 401)).toBe(true);
  });
});
