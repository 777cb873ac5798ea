import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";

/**
 * The fake Bot API must refuse the payment calls the real one refuses, or tests against it prove
 * nothing: each rule is shown rejecting a bad call and accepting the good one, with plain fetch.
 */
describe("fake Telegram Bot API: payments", () => {
  const fake = new FakeTelegramApi();

  beforeAll(async () => {
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  type Answer = { status: number; body: { ok: boolean; result?: unknown; error_code?: number; description?: string } };
  async function call(method: string, params: unknown): Promise<Answer> {
    const response = await fetch(`${fake.url}/bot123456:test/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
    });
    return { status: response.status, body: (await response.json()) as Answer["body"] };
  }

  const starsInvoice = (extra: Record<string, unknown> = {}) => ({
    title: "Курс",
    description: "Доступ к курсу",
    payload: "order-1",
    currency: "XTR",
    prices: [{ label: "Курс", amount: 250 }],
    ...extra,
  });
  const rublesInvoice = (extra: Record<string, unknown> = {}) => ({
    title: "Course",
    description: "Course access",
    payload: "order-2",
    currency: "RUB",
    provider_token: "381764678:TEST:1",
    prices: [
      { label: "Course", amount: 450_000 },
      { label: "Workbook", amount: 49_000 },
    ],
    ...extra,
  });

  /** A refused call: 400 in Telegram's error shape, with a description matching `description`. */
  async function expectRefused(method: string, params: unknown, description: RegExp) {
    const { status, body } = await call(method, params);
    expect(status).toBe(400);
    expect(body).toMatchObject({ ok: false, error_code: 400 });
    expect(body.description).toMatch(/^Bad Request: /);
    expect(body.description).toMatch(description);
  }
  async function expectInvoiceRefused(params: unknown, description: RegExp) {
    const before = fake.invoices.length;
    await expectRefused("createInvoiceLink", params, description);
    expect(fake.invoices.length).toBe(before);
  }

  describe("createInvoiceLink", () => {
    it("answers an invoice link and remembers the invoice with its total", async () => {
      const stars = await call("createInvoiceLink", starsInvoice());
      expect(stars.status).toBe(200);
      expect(stars.body.result).toMatch(/^https:\/\/t\.me\/\$[\w-]+$/);
      expect(fake.invoices.at(-1)).toEqual({
        link: stars.body.result,
        title: "Курс",
        description: "Доступ к курсу",
        payload: "order-1",
        currency: "XTR",
        totalAmount: 250,
        providerToken: "",
      });

      const rubles = await call("createInvoiceLink", rublesInvoice());
      expect(rubles.status).toBe(200);
      expect(rubles.body.result).not.toBe(stars.body.result);
      expect(fake.invoices.at(-1)).toMatchObject({ currency: "RUB", totalAmount: 499_000, providerToken: "381764678:TEST:1" });
    });

    it("requires title, description, payload, currency and prices", async () => {
      for (const name of ["title", "description", "payload", "currency", "prices"]) {
        const params: Record<string, unknown> = starsInvoice();
        delete params[name];
        await expectInvoiceRefused(params, new RegExp(`"${name}" is required`));
      }
    });

    it("takes a title of 1-32 characters", async () => {
      expect((await call("createInvoiceLink", starsInvoice({ title: "К".repeat(32) }))).status).toBe(200);
      await expectInvoiceRefused(starsInvoice({ title: "К".repeat(33) }), /title/);
      await expectInvoiceRefused(starsInvoice({ title: "" }), /title/);
      await expectInvoiceRefused(starsInvoice({ title: 42 }), /title/);
    });

    it("takes a description of 1-255 characters", async () => {
      expect((await call("createInvoiceLink", starsInvoice({ description: "д".repeat(255) }))).status).toBe(200);
      await expectInvoiceRefused(starsInvoice({ description: "д".repeat(256) }), /description/);
      await expectInvoiceRefused(starsInvoice({ description: "" }), /description/);
    });

    it("takes a payload of 1-128 bytes, not characters", async () => {
      // Cyrillic letters take two bytes: 64 of them are 128 bytes, one more ASCII letter is too many.
      expect((await call("createInvoiceLink", starsInvoice({ payload: "я".repeat(64) }))).status).toBe(200);
      expect((await call("createInvoiceLink", starsInvoice({ payload: "x".repeat(128) }))).status).toBe(200);
      await expectInvoiceRefused(starsInvoice({ payload: `${"я".repeat(64)}x` }), /payload/);
      await expectInvoiceRefused(starsInvoice({ payload: "" }), /payload/);
    });

    it("takes a three-letter currency code", async () => {
      await expectInvoiceRefused(rublesInvoice({ currency: "RUBL" }), /CURRENCY_INVALID/);
      await expectInvoiceRefused(rublesInvoice({ currency: "rub" }), /CURRENCY_INVALID/);
      await expectInvoiceRefused(rublesInvoice({ currency: "" }), /CURRENCY_INVALID/);
    });

    it("takes prices as a non-empty list of labelled positive integer amounts, also as a JSON string", async () => {
      const asString = await call("createInvoiceLink", rublesInvoice({ prices: JSON.stringify([{ label: "Course", amount: 100 }]) }));
      expect(asString.status).toBe(200);
      expect(fake.invoices.at(-1)?.totalAmount).toBe(100);

      await expectInvoiceRefused(rublesInvoice({ prices: [] }), /prices/);
      await expectInvoiceRefused(rublesInvoice({ prices: "[" }), /can't parse prices/);
      await expectInvoiceRefused(rublesInvoice({ prices: { label: "Course", amount: 100 } }), /can't parse prices/);
      await expectInvoiceRefused(rublesInvoice({ prices: [{ amount: 100 }] }), /label/);
      await expectInvoiceRefused(rublesInvoice({ prices: [{ label: "Course", amount: 0 }] }), /amount/);
      await expectInvoiceRefused(rublesInvoice({ prices: [{ label: "Course", amount: -100 }] }), /amount/);
      await expectInvoiceRefused(rublesInvoice({ prices: [{ label: "Course", amount: 99.5 }] }), /amount/);
      await expectInvoiceRefused(rublesInvoice({ prices: [{ label: "Course", amount: "100" }] }), /amount/);
    });

    it("reads the same invoice from a multipart form, where prices arrive as a JSON string", async () => {
      const form = new FormData();
      for (const [name, value] of Object.entries(starsInvoice({ payload: "form-order" }))) {
        form.append(name, typeof value === "string" ? value : JSON.stringify(value));
      }
      const response = await fetch(`${fake.url}/bot123456:test/createInvoiceLink`, { method: "POST", body: form });
      expect(response.status).toBe(200);
      expect(fake.invoices.at(-1)).toMatchObject({ payload: "form-order", currency: "XTR", totalAmount: 250 });
    });

    it("takes Telegram Stars without a provider token and with exactly one price", async () => {
      expect((await call("createInvoiceLink", starsInvoice({ provider_token: "" }))).status).toBe(200);
      await expectInvoiceRefused(starsInvoice({ provider_token: "381764678:TEST:1" }), /provider_token/);
      await expectInvoiceRefused(
        starsInvoice({
          prices: [
            { label: "Курс", amount: 200 },
            { label: "Тетрадь", amount: 50 },
          ],
        }),
        /exactly one/,
      );
    });

    it("requires a provider token for any other currency", async () => {
      const { provider_token: _, ...withoutToken } = rublesInvoice();
      await expectInvoiceRefused(withoutToken, /PAYMENT_PROVIDER_INVALID/);
      await expectInvoiceRefused(rublesInvoice({ provider_token: "" }), /PAYMENT_PROVIDER_INVALID/);
      await expectInvoiceRefused(rublesInvoice({ provider_token: 381764678 }), /provider_token/);
    });
  });

  describe("answerPreCheckoutQuery", () => {
    const order = { payload: "order-1", currency: "XTR", totalAmount: 250 };

    it("accepts one answer to a query the fake issued, and records it", async () => {
      const { queryId } = fake.pushPreCheckoutQuery(42, order);
      expect(fake.preCheckoutAnswer(queryId)).toBeUndefined();
      const before = Date.now();
      const first = await call("answerPreCheckoutQuery", { pre_checkout_query_id: queryId, ok: true });
      expect(first).toEqual({ status: 200, body: { ok: true, result: true } });
      const answer = fake.preCheckoutAnswer(queryId);
      expect(answer).toEqual({ id: queryId, ok: true, at: expect.any(Number) });
      expect(answer?.at).toBeGreaterThanOrEqual(before);

      await expectRefused("answerPreCheckoutQuery", { pre_checkout_query_id: queryId, ok: false, error_message: "Sold out" }, /already/);
      expect(fake.preCheckoutAnswers.filter((a) => a.id === queryId)).toHaveLength(1);
    });

    it("refuses a query id the fake never issued", async () => {
      await expectRefused("answerPreCheckoutQuery", { pre_checkout_query_id: "1234567890", ok: true }, /QUERY_ID_INVALID/);
    });

    it("requires pre_checkout_query_id and ok, and error_message when ok is false", async () => {
      const { queryId } = fake.pushPreCheckoutQuery(42, order);
      await expectRefused("answerPreCheckoutQuery", { ok: true }, /"pre_checkout_query_id" is required/);
      await expectRefused("answerPreCheckoutQuery", { pre_checkout_query_id: queryId }, /"ok" is required/);
      await expectRefused("answerPreCheckoutQuery", { pre_checkout_query_id: queryId, ok: "yes" }, /Boolean/);
      await expectRefused("answerPreCheckoutQuery", { pre_checkout_query_id: queryId, ok: false }, /error_message/);
      await expectRefused("answerPreCheckoutQuery", { pre_checkout_query_id: queryId, ok: false, error_message: "" }, /error_message/);
      // None of the refusals used the query up.
      const refusal = await call("answerPreCheckoutQuery", { pre_checkout_query_id: queryId, ok: false, error_message: "Sold out" });
      expect(refusal.status).toBe(200);
      expect(fake.preCheckoutAnswer(queryId)).toMatchObject({ ok: false, errorMessage: "Sold out" });
    });

    it("refuses an answer later than 10 seconds after the query", async () => {
      // The clock stands still while the queries are issued, so "10 001 ms later" is exactly that.
      const issuedAt = Date.now();
      vi.spyOn(Date, "now").mockReturnValue(issuedAt);
      const late = fake.pushPreCheckoutQuery(42, order).queryId;
      const inTime = fake.pushPreCheckoutQuery(42, order).queryId;
      vi.spyOn(Date, "now").mockReturnValue(issuedAt + 10_001);
      await expectRefused("answerPreCheckoutQuery", { pre_checkout_query_id: late, ok: true }, /query is too old/);
      expect(fake.preCheckoutAnswer(late)).toBeUndefined();
      vi.spyOn(Date, "now").mockReturnValue(issuedAt + 9_000);
      expect((await call("answerPreCheckoutQuery", { pre_checkout_query_id: inTime, ok: true })).status).toBe(200);
    });
  });

  describe("refundStarPayment", () => {
    it("refunds a Stars payment of that user once, and records it", async () => {
      const { chargeId } = fake.pushSuccessfulPayment(42, { payload: "order-1", currency: "XTR", totalAmount: 250 });
      expect(chargeId).toMatch(/^stx/);
      const refund = await call("refundStarPayment", { user_id: 42, telegram_payment_charge_id: chargeId });
      expect(refund).toEqual({ status: 200, body: { ok: true, result: true } });
      expect(fake.starRefunds.at(-1)).toEqual({ userId: 42, chargeId, at: expect.any(Number) });

      await expectRefused("refundStarPayment", { user_id: 42, telegram_payment_charge_id: chargeId }, /CHARGE_ALREADY_REFUNDED/);
      expect(fake.starRefunds.filter((r) => r.chargeId === chargeId)).toHaveLength(1);
    });

    it("refuses a charge the fake never reported, another user's, and one not in Stars", async () => {
      await expectRefused("refundStarPayment", { user_id: 42, telegram_payment_charge_id: "stxUnknown" }, /CHARGE_NOT_FOUND/);
      const stars = fake.pushSuccessfulPayment(42, { payload: "order-1", currency: "XTR", totalAmount: 250, chargeId: "stx-given" });
      expect(stars.chargeId).toBe("stx-given");
      await expectRefused("refundStarPayment", { user_id: 43, telegram_payment_charge_id: "stx-given" }, /CHARGE_NOT_FOUND/);
      const rubles = fake.pushSuccessfulPayment(42, { payload: "order-2", currency: "RUB", totalAmount: 499_000 });
      await expectRefused("refundStarPayment", { user_id: 42, telegram_payment_charge_id: rubles.chargeId }, /CHARGE_NOT_FOUND/);
      expect(() =>
        fake.pushSuccessfulPayment(42, { payload: "order-1", currency: "XTR", totalAmount: 250, chargeId: "stx-given" }),
      ).toThrow(/already/);
    });

    it("requires an integer user_id and a telegram_payment_charge_id", async () => {
      const { chargeId } = fake.pushSuccessfulPayment(42, { payload: "order-1", currency: "XTR", totalAmount: 250 });
      await expectRefused("refundStarPayment", { telegram_payment_charge_id: chargeId }, /"user_id" is required/);
      await expectRefused("refundStarPayment", { user_id: 42.5, telegram_payment_charge_id: chargeId }, /user_id/);
      await expectRefused("refundStarPayment", { user_id: 42 }, /"telegram_payment_charge_id" is required/);
      expect(fake.starRefunds.some((r) => r.chargeId === chargeId)).toBe(false);
    });
  });

  it("delivers the pushed pre-checkout query and successful payment through getUpdates", async () => {
    const query = fake.pushPreCheckoutQuery(42, { payload: "order-1", currency: "XTR", totalAmount: 250, email: "anna@example.com" });
    const payment = fake.pushSuccessfulPayment(42, { payload: "order-1", currency: "XTR", totalAmount: 250 });
    const { status, body } = await call("getUpdates", { offset: query.updateId, timeout: 0 });
    expect(status).toBe(200);
    expect(body.result).toEqual([
      {
        update_id: query.updateId,
        pre_checkout_query: {
          id: query.queryId,
          from: { id: 42, is_bot: false, first_name: "Анна" },
          currency: "XTR",
          total_amount: 250,
          invoice_payload: "order-1",
          order_info: { email: "anna@example.com" },
        },
      },
      {
        update_id: payment.updateId,
        message: {
          message_id: expect.any(Number),
          date: expect.any(Number),
          chat: { id: 42, type: "private", first_name: "Анна" },
          from: { id: 42, is_bot: false, first_name: "Анна" },
          successful_payment: {
            currency: "XTR",
            total_amount: 250,
            invoice_payload: "order-1",
            telegram_payment_charge_id: payment.chargeId,
            provider_payment_charge_id: expect.any(String),
          },
        },
      },
    ]);
    // Without an email the query has no order_info.
    const bare = fake.pushPreCheckoutQuery(42, { payload: "order-1", currency: "XTR", totalAmount: 250 });
    const next = await call("getUpdates", { offset: bare.updateId, timeout: 0 });
    expect((next.body.result as Array<Record<string, Record<string, unknown>>>)[0]?.pre_checkout_query).not.toHaveProperty("order_info");
  });

  it("builds webhook bodies that share the bookkeeping of pushed updates", async () => {
    const query = fake.preCheckoutUpdate(42, { payload: "order-1", currency: "XTR", totalAmount: 250 });
    expect(query).not.toHaveProperty("update_id");
    expect((await call("answerPreCheckoutQuery", { pre_checkout_query_id: query.pre_checkout_query.id, ok: true })).status).toBe(200);

    const payment = fake.successfulPaymentUpdate(42, { payload: "order-1", currency: "XTR", totalAmount: 250 });
    expect(payment).not.toHaveProperty("update_id");
    expect(payment.message).not.toHaveProperty("text");
    const chargeId = payment.message.successful_payment.telegram_payment_charge_id;
    expect((await call("refundStarPayment", { user_id: 42, telegram_payment_charge_id: chargeId })).status).toBe(200);
  });
});
