import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { FakeStripeApi } from "./fakes/fake-stripe-api.ts";

/**
 * The fake Stripe must refuse what the real API refuses, or tests against it prove nothing. Each
 * rule is shown rejecting a bad request and accepting the good one with plain fetch and form bodies,
 * and the official SDK is pointed at the fake to prove it speaks Stripe's wire format: requests,
 * errors, idempotent replays, the SDK's own retries and the webhook signature the SDK verifies.
 */
describe("fake Stripe API", () => {
  const secretKey = "sk_test_51OrkestrFakeKey";
  const fake = new FakeStripeApi({ secretKey });
  const now = () => Math.floor(Date.now() / 1000);

  /** The SDK as the app configures it, aimed at the fake. */
  const sdk = (options: Stripe.StripeConfig = {}, key = secretKey) =>
    new Stripe(key, { host: "127.0.0.1", port: Number(new URL(fake.url).port), protocol: "http", ...options });

  interface ErrorBody {
    type: string;
    message: string;
    code?: string;
    param?: string;
  }
  /** A session, refund or error: typed only as far as the tests read it. */
  type Body = Record<string, unknown> & { id: string; error?: ErrorBody };
  type Answer = { status: number; headers: Headers; body: Body };

  async function call(
    method: string,
    path: string,
    form?: Record<string, string> | string,
    options: { key?: string; auth?: string | null; contentType?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    const auth = options.auth === undefined ? `Bearer ${secretKey}` : options.auth;
    if (auth !== null) headers.authorization = auth;
    if (options.key) headers["idempotency-key"] = options.key;
    let body: string | undefined;
    if (form !== undefined) {
      // URLSearchParams percent-encodes the brackets; the SDK sends them bare. The fake reads both.
      body = typeof form === "string" ? form : new URLSearchParams(form).toString();
      headers["content-type"] = options.contentType ?? "application/x-www-form-urlencoded";
    }
    const response = await fetch(`${fake.url}${path}`, { method, headers, body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
  }

  /** A valid session form in Stripe's bracket notation; an override of undefined drops the field. */
  function order(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const form: Record<string, string | undefined> = {
      mode: "payment",
      "line_items[0][quantity]": "2",
      "line_items[0][price_data][currency]": "rub",
      "line_items[0][price_data][unit_amount]": "4990",
      "line_items[0][price_data][product_data][name]": "Course",
      success_url: "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}",
      cancel_url: "https://shop.example/cart",
      client_reference_id: "order-1",
      "metadata[orderId]": "order-1",
      customer_email: "anna@example.com",
      ...overrides,
    };
    return Object.fromEntries(Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }
  const noLineItems = {
    "line_items[0][quantity]": undefined,
    "line_items[0][price_data][currency]": undefined,
    "line_items[0][price_data][unit_amount]": undefined,
    "line_items[0][price_data][product_data][name]": undefined,
  };
  const create = (form: Record<string, string> | string, key?: string) => call("POST", "/v1/checkout/sessions", form, key ? { key } : {});

  /** A refused request: the status, Stripe's error shape, the param named, and nothing created. */
  async function expectRefused(answer: Promise<Answer>, param: string | undefined, code?: string, status = 400): Promise<ErrorBody> {
    const before = { sessions: fake.sessions.length, refunds: fake.refunds.length };
    const { status: got, body } = await answer;
    expect(got, JSON.stringify(body)).toBe(status);
    expect(body.error?.type).toBe("invalid_request_error");
    expect(typeof body.error?.message).toBe("string");
    expect(body.error?.param).toBe(param);
    if (code) expect(body.error?.code).toBe(code);
    expect({ sessions: fake.sessions.length, refunds: fake.refunds.length }).toEqual(before);
    return body.error as ErrorBody;
  }

  async function paidSession(form = order()): Promise<{ id: string; paymentIntent: string; amount: number }> {
    const { body } = await create(form);
    const paid = fake.complete(body.id);
    return { id: paid.id, paymentIntent: paid.payment_intent ?? "", amount: paid.amount_total };
  }

  /** Stands in for the app's webhook endpoint: keeps the raw body and header as they arrived. */
  const webhook: { server?: Server; url: string; status: number; received: Array<{ body: string; signature: string }> } = {
    url: "",
    status: 200,
    received: [],
  };

  beforeAll(async () => {
    await fake.start();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        webhook.received.push({ body: Buffer.concat(chunks).toString(), signature: String(req.headers["stripe-signature"]) });
        res.writeHead(webhook.status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    webhook.server = server;
    webhook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  });

  afterAll(async () => {
    await fake.stop();
    await new Promise<void>((resolve) => webhook.server?.close(() => resolve()));
  });

  afterEach(() => {
    webhook.status = 200;
    fake.failNext(0);
    fake.loseNextResponse(0);
    vi.useRealTimers();
  });

  describe("authentication", () => {
    it("refuses a missing, wrong or non-Bearer key with 401, before anything else", async () => {
      for (const auth of [null, "Bearer sk_test_wrong_key_123456", `Basic ${Buffer.from(`${secretKey}:`).toString("base64")}`]) {
        const answer = await call("POST", "/v1/checkout/sessions", order(), { auth });
        expect(answer.status).toBe(401);
        expect(answer.body.error?.type).toBe("invalid_request_error");
        expect(answer.body.error?.message).toMatch(/^Invalid API Key provided/);
        expect(answer.body.error?.message).not.toContain("sk_test_wrong_key_123456");
      }
      expect((await call("GET", "/v1/nothing", undefined, { auth: null })).status).toBe(401);
      expect((await call("GET", "/v1/nothing")).status).toBe(404);
    });

    it("the SDK with a wrong key gets a StripeAuthenticationError", async () => {
      await expect(sdk({}, "sk_test_wrong").checkout.sessions.retrieve("cs_test_x")).rejects.toMatchObject({
        type: "StripeAuthenticationError",
        statusCode: 401,
      });
    });

    it("uses sk_test_orkestr when no key is given", async () => {
      const other = await new FakeStripeApi().start();
      try {
        const answer = await fetch(`${other.url}/v1/checkout/sessions/cs_test_x`, { headers: { authorization: "Bearer sk_test_orkestr" } });
        expect(answer.status).toBe(404);
      } finally {
        await other.stop();
      }
    });
  });

  describe("POST /v1/checkout/sessions", () => {
    it("creates an open, unpaid Checkout Session from bracket notation", async () => {
      const expiresAt = now() + 3600;
      const answer = await create(
        order({
          "line_items[1][quantity]": "1",
          "line_items[1][price_data][currency]": "rub",
          "line_items[1][price_data][unit_amount]": "1000",
          "line_items[1][price_data][product_data][name]": "Workbook",
          "line_items[1][price_data][product_data][description]": "Printed",
          expires_at: String(expiresAt),
        }),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        object: "checkout.session",
        mode: "payment",
        status: "open",
        payment_status: "unpaid",
        amount_total: 4990 * 2 + 1000,
        currency: "rub",
        client_reference_id: "order-1",
        metadata: { orderId: "order-1" },
        customer_email: "anna@example.com",
        success_url: "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}",
        cancel_url: "https://shop.example/cart",
        expires_at: expiresAt,
        payment_intent: null,
        livemode: false,
      });
      expect(answer.body.id).toMatch(/^cs_test_[A-Za-z0-9]+$/);
      expect(answer.body.url).toBe(`${fake.url}/pay/${answer.body.id}`);
      expect(answer.headers.get("request-id")).toMatch(/^req_/);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(fake.session(answer.body.id)).toEqual(answer.body);
    });

    it("needs only mode, line_items and success_url; the rest is null, {} or 24 hours by default", async () => {
      const answer = await create({
        mode: "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "1",
        "line_items[0][price_data][product_data][name]": "Sticker",
        success_url: "http://localhost:3000/ok",
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ client_reference_id: null, customer_email: null, cancel_url: null, metadata: {} });
      expect(answer.body.expires_at).toBeGreaterThanOrEqual(now() + 24 * 3600 - 5);
      expect(answer.body.expires_at).toBeLessThanOrEqual(now() + 24 * 3600);
    });

    it("reads bare brackets as the SDK sends them, and expand[]", async () => {
      const bare = Object.entries(order())
        .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
        .join("&");
      const answer = await create(`${bare}&expand[]=payment_intent`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.amount_total).toBe(9980);
      expect(fake.calls.at(-1)?.params).toMatchObject({
        line_items: [{ price_data: { unit_amount: "4990" } }],
        expand: ["payment_intent"],
      });
    });

    const longKey = "k".repeat(41);
    const fiftyOneKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`metadata[k${i}]`, "v"]));
    it.each<[string, Record<string, string | undefined>, string, string?]>([
      ["mode missing", { mode: undefined }, "mode", "parameter_missing"],
      ["mode other than payment", { mode: "subscription" }, "mode"],
      ["no line items", noLineItems, "line_items", "parameter_missing"],
      ["line_items not an array", { ...noLineItems, line_items: "course" }, "line_items"],
      ["quantity missing", { "line_items[0][quantity]": undefined }, "line_items[0][quantity]", "parameter_missing"],
      ["quantity 0", { "line_items[0][quantity]": "0" }, "line_items[0][quantity]"],
      ["quantity not an integer", { "line_items[0][quantity]": "1.5" }, "line_items[0][quantity]", "parameter_invalid_integer"],
      [
        "price_data missing",
        {
          "line_items[0][price_data][currency]": undefined,
          "line_items[0][price_data][unit_amount]": undefined,
          "line_items[0][price_data][product_data][name]": undefined,
        },
        "line_items[0][price_data]",
        "parameter_missing",
      ],
      ["a Price id instead of price_data", { "line_items[0][price]": "price_123" }, "line_items[0][price]"],
      ["currency in capitals", { "line_items[0][price_data][currency]": "RUB" }, "line_items[0][price_data][currency]"],
      ["currency not 3 letters", { "line_items[0][price_data][currency]": "rubl" }, "line_items[0][price_data][currency]"],
      [
        "two currencies",
        {
          "line_items[1][quantity]": "1",
          "line_items[1][price_data][currency]": "usd",
          "line_items[1][price_data][unit_amount]": "100",
          "line_items[1][price_data][product_data][name]": "Extra",
        },
        "line_items[1][price_data][currency]",
      ],
      [
        "unit_amount as a decimal",
        { "line_items[0][price_data][unit_amount]": "49.90" },
        "line_items[0][price_data][unit_amount]",
        "parameter_invalid_integer",
      ],
      ["unit_amount 0", { "line_items[0][price_data][unit_amount]": "0" }, "line_items[0][price_data][unit_amount]"],
      ["unit_amount negative", { "line_items[0][price_data][unit_amount]": "-100" }, "line_items[0][price_data][unit_amount]"],
      [
        "unit_amount missing",
        { "line_items[0][price_data][unit_amount]": undefined },
        "line_items[0][price_data][unit_amount]",
        "parameter_missing",
      ],
      [
        "product name missing",
        { "line_items[0][price_data][product_data][name]": undefined, "line_items[0][price_data][product_data][description]": "x" },
        "line_items[0][price_data][product_data][name]",
        "parameter_missing",
      ],
      [
        "product name empty",
        { "line_items[0][price_data][product_data][name]": "" },
        "line_items[0][price_data][product_data][name]",
        "parameter_invalid_empty",
      ],
      ["total above eight digits", { "line_items[0][price_data][unit_amount]": "99999999" }, "line_items"],
      ["success_url missing", { success_url: undefined }, "success_url", "parameter_missing"],
      ["success_url relative", { success_url: "/thanks" }, "success_url", "url_invalid"],
      ["success_url not http", { success_url: "ftp://shop.example/thanks" }, "success_url", "url_invalid"],
      ["cancel_url not a URL", { cancel_url: "the cart" }, "cancel_url", "url_invalid"],
      ["client_reference_id over 200 characters", { client_reference_id: "r".repeat(201) }, "client_reference_id"],
      ["more than 50 metadata keys", fiftyOneKeys, "metadata"],
      ["a metadata key over 40 characters", { [`metadata[${longKey}]`]: "v" }, `metadata[${longKey}]`],
      ["a metadata value over 500 characters", { "metadata[orderId]": "v".repeat(501) }, "metadata[orderId]"],
      ["a metadata value that is a hash", { "metadata[order][id]": "1" }, "metadata[order]"],
      ["customer_email not an email", { customer_email: "anna at example" }, "customer_email", "email_invalid"],
      ["expires_at in 29 minutes", { expires_at: String(Math.floor(Date.now() / 1000) + 29 * 60) }, "expires_at"],
      ["expires_at in 25 hours", { expires_at: String(Math.floor(Date.now() / 1000) + 25 * 3600) }, "expires_at"],
      ["expires_at not unix seconds", { expires_at: "tomorrow" }, "expires_at", "parameter_invalid_integer"],
      ["an unknown parameter", { locale_name: "ru" }, "locale_name", "parameter_unknown"],
      [
        "an unknown nested parameter",
        { "line_items[0][price_data][tax_behavior]": "inclusive" },
        "line_items[0][price_data][tax_behavior]",
        "parameter_unknown",
      ],
      ["expanding what the fake cannot expand", { "expand[0]": "customer" }, "expand[0]"],
    ])("refuses %s", async (_name, overrides, param, code) => {
      await expectRefused(create(order(overrides)), param, code);
    });

    it("accepts the limits themselves", async () => {
      const metadata = Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [`metadata[${String(i).padStart(40, "k")}]`, "v".repeat(500)]),
      );
      for (const overrides of [
        { client_reference_id: "r".repeat(200) },
        { "metadata[orderId]": undefined, ...metadata },
        { expires_at: String(now() + 31 * 60) },
        { expires_at: String(now() + 23 * 3600) },
        { "line_items[0][quantity]": "1", "line_items[0][price_data][unit_amount]": "99999999" },
        { cancel_url: "" },
      ]) {
        const answer = await create(order(overrides));
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      }
    });

    it("refuses a body that is not a form, or not valid bracket notation", async () => {
      await expectRefused(
        call("POST", "/v1/checkout/sessions", JSON.stringify({ mode: "payment" }), { contentType: "application/json" }),
        undefined,
      );
      await expectRefused(create(`${new URLSearchParams(order())}&line_items[0=1`), undefined);
      await expectRefused(create(`${new URLSearchParams(order())}&mode[x]=payment`), "mode[x]");
      await expectRefused(create("mode=%E0%A4%A"), undefined);
    });
  });

  describe("GET /v1/checkout/sessions/:id", () => {
    it("answers the session as it is now, 404 resource_missing for an unknown id", async () => {
      const created = await create(order());
      const got = await call("GET", `/v1/checkout/sessions/${created.body.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(created.body);
      const unknown = await call("GET", "/v1/checkout/sessions/cs_test_nope");
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatchObject({ type: "invalid_request_error", code: "resource_missing" });
    });

    it("expands payment_intent into an object once paid; refuses unknown query parameters", async () => {
      const { id, paymentIntent } = await paidSession();
      const got = await call("GET", `/v1/checkout/sessions/${id}?expand[0]=payment_intent`);
      expect(got.body.payment_intent).toEqual(
        expect.objectContaining({ id: paymentIntent, object: "payment_intent", status: "succeeded", amount: 9980 }),
      );
      const plain = await call("GET", `/v1/checkout/sessions/${id}`);
      expect(plain.body.payment_intent).toBe(paymentIntent);
      await expectRefused(call("GET", `/v1/checkout/sessions/${id}?limit=3`), "limit", "parameter_unknown");
    });
  });

  describe("test controls", () => {
    it("complete pays the session: complete, paid, a payment intent, no more URL", async () => {
      const { body } = await create(order());
      const paid = fake.complete(body.id);
      expect(paid).toMatchObject({ status: "complete", payment_status: "paid", url: null });
      expect(paid.payment_intent).toMatch(/^pi_[A-Za-z0-9]+$/);
      expect(fake.session(body.id)).toEqual(paid);
      expect(() => fake.complete(body.id)).toThrow(/only an open one/);
      expect(() => fake.expire(body.id)).toThrow(/only an open one/);
      expect(() => fake.complete("cs_test_unknown")).toThrow(/No session/);
    });

    it("expire expires an open session, and an open one expires by itself past expires_at", async () => {
      const first = await create(order());
      expect(fake.expire(first.body.id)).toMatchObject({ status: "expired", payment_status: "unpaid", url: null, payment_intent: null });
      expect(() => fake.complete(first.body.id)).toThrow(/expired/);

      const second = await create(order({ expires_at: String(now() + 3600) }));
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 3601 * 1000);
      expect(fake.session(second.body.id)?.status).toBe("expired");
    });

    it("an async payment completes unpaid and is paid later", async () => {
      const { body } = await create(order());
      expect(fake.complete(body.id, { asyncPayment: true })).toMatchObject({ status: "complete", payment_status: "unpaid" });
      expect(fake.asyncPaymentSucceeded(body.id).payment_status).toBe("paid");
      expect(() => fake.asyncPaymentSucceeded(body.id)).toThrow(/no delayed payment/);
    });

    it("failNext answers api_error for the next POSTs and creates nothing; GETs are not affected", async () => {
      const { body: existing } = await create(order());
      const before = fake.sessions.length;
      fake.failNext(2);
      for (let i = 0; i < 2; i++) {
        const failed = await create(order());
        expect(failed.status).toBe(500);
        expect(failed.body.error?.type).toBe("api_error");
        expect((await call("GET", `/v1/checkout/sessions/${existing.id}`)).status).toBe(200);
      }
      expect(fake.sessions.length).toBe(before);
      expect((await create(order())).status).toBe(200);
      fake.failNext(1, 503);
      expect((await create(order())).status).toBe(503);
      expect(fake.sessions.length).toBe(before + 1);
    });

    it("records every call with its params, key and status", async () => {
      const key = randomUUID();
      const start = fake.calls.length;
      await create(order(), key);
      await call("GET", "/v1/checkout/sessions/cs_test_nope");
      expect(fake.calls.slice(start)).toEqual([
        expect.objectContaining({ method: "POST", path: "/v1/checkout/sessions", idempotencyKey: key, status: 200, replayed: false }),
        expect.objectContaining({ method: "GET", path: "/v1/checkout/sessions/cs_test_nope", idempotencyKey: undefined, status: 404 }),
      ]);
      expect(fake.calls[start]?.params).toMatchObject({ mode: "payment", metadata: { orderId: "order-1" } });
      expect(fake.calls[start]?.at).toBeLessThanOrEqual(Date.now());
    });
  });

  describe("Idempotency-Key", () => {
    it("same key and params: the saved answer again with Idempotent-Replayed, nothing new", async () => {
      const key = randomUUID();
      const first = await create(order(), key);
      const before = fake.sessions.length;
      // Field order does not make another request.
      const reordered = Object.fromEntries(Object.entries(order()).reverse());
      const again = await create(reordered, key);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.headers.get("idempotency-key")).toBe(key);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      expect(fake.sessions.length).toBe(before);
      expect(fake.calls.at(-1)?.replayed).toBe(true);
      // Stripe replays the saved body, not the object as it is now.
      fake.complete(first.body.id);
      expect((await create(order(), key)).body.status).toBe("open");
    });

    it("same key with other params or another endpoint: idempotency_error", async () => {
      const key = randomUUID();
      await create(order(), key);
      const before = fake.sessions.length;
      const other = await create(order({ "line_items[0][quantity]": "3" }), key);
      expect(other.status).toBe(400);
      expect(other.body.error?.type).toBe("idempotency_error");
      const refund = await call("POST", "/v1/refunds", { payment_intent: "pi_x" }, { key });
      expect(refund.body.error?.type).toBe("idempotency_error");
      expect(fake.sessions.length).toBe(before);
    });

    it("a request refused by validation or an injected outage leaves the key free", async () => {
      const key = randomUUID();
      await expectRefused(
        create(order({ "line_items[0][price_data][unit_amount]": "49.90" }), key),
        "line_items[0][price_data][unit_amount]",
      );
      fake.failNext(1);
      expect((await create(order(), key)).status).toBe(500);
      const corrected = await create(order(), key);
      expect(corrected.status).toBe(200);
      expect(corrected.headers.get("idempotent-replayed")).toBeNull();
    });

    it("without a key each request creates a session; the key is capped at 255 characters", async () => {
      const before = fake.sessions.length;
      await create(order());
      await create(order());
      expect(fake.sessions.length).toBe(before + 2);
      await expectRefused(create(order(), "k".repeat(256)), undefined);
    });
  });

  describe("POST /v1/refunds", () => {
    it("refunds part, then the rest by default, then refuses more", async () => {
      const { paymentIntent, amount } = await paidSession();
      const part = await call("POST", "/v1/refunds", { payment_intent: paymentIntent, amount: "1000", reason: "requested_by_customer" });
      expect(part.status).toBe(200);
      expect(part.body).toMatchObject({
        object: "refund",
        amount: 1000,
        payment_intent: paymentIntent,
        status: "succeeded",
        currency: "rub",
      });
      expect(part.body.id).toMatch(/^re_/);
      await expectRefused(
        call("POST", "/v1/refunds", { payment_intent: paymentIntent, amount: String(amount) }),
        "amount",
        "amount_too_large",
      );
      const rest = await call("POST", "/v1/refunds", { payment_intent: paymentIntent });
      expect(rest.body.amount).toBe(amount - 1000);
      await expectRefused(
        call("POST", "/v1/refunds", { payment_intent: paymentIntent, amount: "1" }),
        undefined,
        "charge_already_refunded",
      );
      expect(fake.refunds.filter((r) => r.payment_intent === paymentIntent).map((r) => r.amount)).toEqual([1000, amount - 1000]);
    });

    it.each<[string, Record<string, string>, string, string?]>([
      ["payment_intent missing", { amount: "100" }, "payment_intent", "parameter_missing"],
      ["an unknown payment intent", { payment_intent: "pi_unknown" }, "payment_intent", "resource_missing"],
      ["a decimal amount", { payment_intent: "PI", amount: "10.50" }, "amount", "parameter_invalid_integer"],
      ["amount 0", { payment_intent: "PI", amount: "0" }, "amount"],
      ["an unknown reason", { payment_intent: "PI", reason: "changed_mind" }, "reason"],
      ["an unknown parameter", { payment_intent: "PI", charge: "ch_1" }, "charge", "parameter_unknown"],
    ])("refuses %s", async (_name, form, param, code) => {
      const { paymentIntent } = await paidSession();
      const body = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v === "PI" ? paymentIntent : v]));
      await expectRefused(call("POST", "/v1/refunds", body), param, code);
    });

    it("refuses a session not paid yet (an async payment still pending)", async () => {
      const { body } = await create(order());
      const session = fake.complete(body.id, { asyncPayment: true });
      await expectRefused(call("POST", "/v1/refunds", { payment_intent: session.payment_intent ?? "" }), undefined);
      fake.asyncPaymentSucceeded(body.id);
      expect((await call("POST", "/v1/refunds", { payment_intent: session.payment_intent ?? "" })).status).toBe(200);
    });

    it("a refusal after the endpoint ran is saved under the key, as Stripe v1 does", async () => {
      const { paymentIntent } = await paidSession();
      const key = randomUUID();
      const first = await call("POST", "/v1/refunds", { payment_intent: paymentIntent, amount: "99999" }, { key });
      expect(first.body.error?.code).toBe("amount_too_large");
      const again = await call("POST", "/v1/refunds", { payment_intent: paymentIntent, amount: "99999" }, { key });
      expect(again.status).toBe(400);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      const corrected = await call("POST", "/v1/refunds", { payment_intent: paymentIntent, amount: "100" }, { key });
      expect(corrected.body.error?.type).toBe("idempotency_error");
    });
  });

  describe("through the official stripe SDK", () => {
    const params = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams => ({
      mode: "payment",
      line_items: [{ quantity: 1, price_data: { currency: "rub", unit_amount: 4990, product_data: { name: "Course" } } }],
      success_url: "https://shop.example/thanks",
      client_reference_id: "order-7",
      metadata: { orderId: "order-7" },
      expires_at: now() + 3600,
      ...extra,
    });

    it("creates and retrieves a session, and refunds it once paid", async () => {
      const stripe = sdk();
      const session = await stripe.checkout.sessions.create(params());
      expect(session).toMatchObject({ object: "checkout.session", status: "open", amount_total: 4990, metadata: { orderId: "order-7" } });
      expect(session.url).toBe(`${fake.url}/pay/${session.id}`);
      expect(session.lastResponse.statusCode).toBe(200);
      expect(fake.calls.at(-1)?.idempotencyKey).toMatch(/^stripe-node-retry-/);

      const paymentIntent = fake.complete(session.id).payment_intent ?? "";
      const retrieved = await stripe.checkout.sessions.retrieve(session.id);
      expect(retrieved).toMatchObject({ id: session.id, status: "complete", payment_status: "paid", payment_intent: paymentIntent });
      const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
      expect((expanded.payment_intent as Stripe.PaymentIntent).status).toBe("succeeded");

      const part = await stripe.refunds.create({ payment_intent: paymentIntent, amount: 990 });
      expect(part).toMatchObject({ object: "refund", amount: 990, status: "succeeded", currency: "rub", payment_intent: paymentIntent });
      const rest = await stripe.refunds.create({ payment_intent: paymentIntent });
      expect(rest.amount).toBe(4000);
      await expect(stripe.refunds.create({ payment_intent: paymentIntent })).rejects.toMatchObject({
        type: "StripeInvalidRequestError",
        code: "charge_already_refunded",
      });
    });

    it("maps the fake's errors to the SDK's error classes", async () => {
      const stripe = sdk();
      const decimal = params({
        line_items: [{ quantity: 1, price_data: { currency: "rub", unit_amount: 49.9, product_data: { name: "Course" } } }],
      });
      await expect(stripe.checkout.sessions.create(decimal)).rejects.toMatchObject({
        type: "StripeInvalidRequestError",
        statusCode: 400,
        param: "line_items[0][price_data][unit_amount]",
        code: "parameter_invalid_integer",
      });
      await expect(stripe.checkout.sessions.retrieve("cs_test_missing")).rejects.toMatchObject({
        type: "StripeInvalidRequestError",
        statusCode: 404,
        code: "resource_missing",
      });
      await expect(stripe.refunds.create({ payment_intent: "pi_missing" })).rejects.toMatchObject({ param: "payment_intent" });
    });

    it("replays an idempotent request and refuses the key with other params", async () => {
      const stripe = sdk();
      const idempotencyKey = randomUUID();
      const sameParams = params();
      const first = await stripe.checkout.sessions.create(sameParams, { idempotencyKey });
      const before = fake.sessions.length;
      const again = await stripe.checkout.sessions.create(sameParams, { idempotencyKey });
      expect(again.id).toBe(first.id);
      expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
      expect(fake.sessions.length).toBe(before);
      await expect(stripe.checkout.sessions.create(params({ client_reference_id: "order-8" }), { idempotencyKey })).rejects.toMatchObject({
        type: "StripeIdempotencyError",
        rawType: "idempotency_error",
      });
    });

    it("the SDK's retry after an outage creates one session, with the same key", async () => {
      const stripe = sdk({ maxNetworkRetries: 2 });
      const start = fake.calls.length;
      const before = fake.sessions.length;
      fake.failNext(1);
      const session = await stripe.checkout.sessions.create(params());
      const attempts = fake.calls.slice(start);
      expect(attempts.map((c) => c.status)).toEqual([500, 200]);
      expect(new Set(attempts.map((c) => c.idempotencyKey)).size).toBe(1);
      expect(fake.sessions.length).toBe(before + 1);
      expect(fake.session(session.id)?.status).toBe("open");
    });

    it("the SDK's retry after a lost response gets the saved answer, not a second session", async () => {
      const stripe = sdk({ maxNetworkRetries: 0 });
      const start = fake.calls.length;
      const before = fake.sessions.length;
      fake.loseNextResponse(1);
      // The SDK retries a closed connection once even with retries off, with the same key.
      const session = await stripe.checkout.sessions.create(params());
      const attempts = fake.calls.slice(start);
      expect(attempts.map((c) => [c.status, c.replayed])).toEqual([
        [0, false],
        [200, true],
      ]);
      expect(attempts[0]?.idempotencyKey).toBe(attempts[1]?.idempotencyKey);
      expect(fake.sessions.length).toBe(before + 1);
      expect(fake.sessions.at(-1)?.id).toBe(session.id);
    });

    it("an outage longer than the SDK's retries surfaces as StripeAPIError and creates nothing", async () => {
      const stripe = sdk({ maxNetworkRetries: 2 });
      const start = fake.calls.length;
      const before = fake.sessions.length;
      fake.failNext(3);
      await expect(stripe.checkout.sessions.create(params())).rejects.toMatchObject({ type: "StripeAPIError", statusCode: 500 });
      expect(fake.calls.length - start).toBe(3);
      expect(fake.sessions.length).toBe(before);
    });
  });

  describe("sendEvent", () => {
    const secret = "whsec_test_orkestr";
    const stripe = new Stripe("sk_test_unused");
    const last = () => webhook.received.at(-1) ?? { body: "", signature: "" };

    it("posts a signed event that stripe.webhooks.constructEvent accepts", async () => {
      const { id } = await paidSession();
      const sent = await fake.sendEvent(webhook.url, "checkout.session.completed", id, secret);
      expect(sent.status).toBe(200);
      expect(sent.eventId).toMatch(/^evt_/);
      const { body, signature } = last();
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const event = stripe.webhooks.constructEvent(body, signature, secret, 300);
      expect(event).toMatchObject({ id: sent.eventId, object: "event", type: "checkout.session.completed", livemode: false });
      expect(event.api_version).toMatch(/^2025-/);
      expect(event.data.object).toMatchObject({ id, object: "checkout.session", status: "complete", payment_status: "paid" });
      expect(event.created).toBeGreaterThanOrEqual(now() - 5);
      // The same header the SDK's own test helper builds for this body and time.
      const t = Number(/^t=(\d+)/.exec(signature)?.[1]);
      expect(stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t })).toBe(signature);
    });

    it("a wrong secret, an old timestamp or a changed body fail the SDK's verification", async () => {
      const { id } = await paidSession();
      await fake.sendEvent(webhook.url, "checkout.session.completed", id, secret, { signWith: "whsec_someone_else" });
      const forged = last();
      expect(() => stripe.webhooks.constructEvent(forged.body, forged.signature, secret, 300)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );

      await fake.sendEvent(webhook.url, "checkout.session.completed", id, secret, { timestamp: now() - 600 });
      const old = last();
      expect(() => stripe.webhooks.constructEvent(old.body, old.signature, secret, 300)).toThrow(/tolerance/);

      await fake.sendEvent(webhook.url, "checkout.session.completed", id, secret);
      const genuine = last();
      expect(() => stripe.webhooks.constructEvent(JSON.stringify(JSON.parse(genuine.body)), genuine.signature, secret, 300)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
    });

    it("signs a raw body given as is, and reports the app's status", async () => {
      webhook.status = 400;
      const body = JSON.stringify({
        id: "evt_forged",
        object: "event",
        type: "checkout.session.completed",
        data: { object: { id: "cs_test_x" } },
      });
      const sent = await fake.sendEvent(webhook.url, "checkout.session.completed", "ignored", secret, { body });
      expect(sent).toEqual({ status: 400, eventId: "evt_forged" });
      expect(last().body).toBe(body);
      expect(stripe.webhooks.constructEvent(body, last().signature, secret, 300).id).toBe("evt_forged");
    });

    it("sends expired and async_payment_succeeded events, and refuses events the session does not justify", async () => {
      const open = await create(order());
      await expect(fake.sendEvent(webhook.url, "checkout.session.completed", open.body.id, secret)).rejects.toThrow(/would not send/);
      fake.expire(open.body.id);
      await fake.sendEvent(webhook.url, "checkout.session.expired", open.body.id, secret);
      expect(stripe.webhooks.constructEvent(last().body, last().signature, secret, 300).data.object).toMatchObject({ status: "expired" });

      const delayed = await create(order());
      fake.complete(delayed.body.id, { asyncPayment: true });
      await fake.sendEvent(webhook.url, "checkout.session.completed", delayed.body.id, secret);
      expect(JSON.parse(last().body).data.object.payment_status).toBe("unpaid");
      await expect(fake.sendEvent(webhook.url, "checkout.session.async_payment_succeeded", delayed.body.id, secret)).rejects.toThrow();
      fake.asyncPaymentSucceeded(delayed.body.id);
      await fake.sendEvent(webhook.url, "checkout.session.async_payment_succeeded", delayed.body.id, secret);
      const event = stripe.webhooks.constructEvent(last().body, last().signature, secret, 300);
      expect(event.type).toBe("checkout.session.async_payment_succeeded");
      expect(event.data.object).toMatchObject({ payment_status: "paid" });
    });
  });

  describe("the checkout page", () => {
    it("shows the order, and paying redirects to success_url with the session id", async () => {
      const { body } = await create(order());
      const page = await fetch(`${fake.url}/pay/${body.id}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await page.text()).toMatch(/Course[\s\S]*<button/);
      const pay = await fetch(`${fake.url}/pay/${body.id}`, { method: "POST", redirect: "manual" });
      expect(pay.status).toBe(303);
      expect(pay.headers.get("location")).toBe(`https://shop.example/thanks?session=${body.id}`);
      expect(fake.session(body.id)).toMatchObject({ status: "complete", payment_status: "paid" });
      expect((await fetch(`${fake.url}/pay/${body.id}`, { method: "POST", redirect: "manual" })).status).toBe(409);
      expect((await fetch(`${fake.url}/pay/cs_test_unknown`)).status).toBe(404);
    });
  });
});
