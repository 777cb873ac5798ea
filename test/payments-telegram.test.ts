import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { orkestr } from "./support/orkestr-cli.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const starsFlow = `id: guide-stars
title: Гайд за звёзды
triggers: [{ start: guide }]
steps:
  - id: pay
    pay: { title: Гайд по воронкам, amount: 50, currency: XTR, provider: stars, say: "Гайд — {{ order.amount }} ⭐", paid: thanks }
  - id: thanks
    end: "Спасибо! Вот гайд: https://example.com/guide"
`;

/**
 * Payments inside Telegram: the course sale with the bot's payment provider (an invoice, the
 * pre-checkout query, the successful payment) and a guide for Telegram Stars. The real grammY bot
 * long-polls a fake Bot API that enforces the invoice limits; PostgreSQL and Redis are real.
 */
describe("payments in Telegram (invoices and Stars)", () => {
  const api = new FakeTelegramApi();
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await api.start();
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-pay-flows-"));
    await copyFile(new URL("../flows/course-sale.yaml", import.meta.url), join(flowsDir, "course-sale.yaml"));
    await writeFile(join(flowsDir, "guide-stars.yaml"), starsFlow);
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_PAYMENT_PROVIDER_TOKEN: "381764678:TEST:provider",
    });
  });
  afterAll(async () => {
    await running?.stop();
    await api.stop();
  });

  const orderOf = async (chatId: number) =>
    (
      await running.db.query(
        `SELECT o.* FROM "Order" o JOIN "ChannelIdentity" i ON i."contactId" = o."contactId" WHERE i."externalId" = $1 ORDER BY o."createdAt"`,
        [String(chatId)],
      )
    ).rows as Array<{ id: string; status: string; amount: number; currency: string; provider: string; providerPaymentId: string }>;

  /** The pay button's link on the latest message to `chatId`. */
  const payLink = (chatId: number) => {
    const markup = api.sent(chatId).at(-1)?.params.reply_markup as { inline_keyboard?: Array<Array<{ text: string; url?: string }>> };
    return markup?.inline_keyboard?.flat().find((b) => b.text === "Оплатить")?.url;
  };

  /** A Telegram customer of the course sale walked to the pay step: tariff, consent, email. */
  const toPayStep = async (chatId: number, tariff: string, email: string) => {
    api.pushText(chatId, "/start course");
    await api.waitForSent(chatId, 1);
    api.pressButton(chatId, tariff);
    await api.waitForSent(chatId, 2);
    api.pressButton(chatId, "Согласен");
    await api.waitForSent(chatId, 3);
    api.pushText(chatId, email);
    await api.waitForSent(chatId, 4);
  };

  it("sells the course with an invoice: answered pre-checkout, one thank-you for a payment reported twice", async () => {
    await toPayStep(100, "Базовый — 4 990 ₽", "anna@example.com");
    const [order] = await orderOf(100);
    expect(order).toMatchObject({ provider: "telegram", amount: 499000, currency: "RUB", status: "pending" });
    const invoice = api.invoices.find((i) => i.payload === order?.id);
    expect(invoice).toMatchObject({ currency: "RUB", totalAmount: 499000, providerToken: "381764678:TEST:provider" });
    expect(payLink(100)).toBe(invoice?.link);

    const { queryId } = api.pushPreCheckoutQuery(100, { payload: order?.id as string, currency: "RUB", totalAmount: 499000 });
    await waitFor(
      async () => api.preCheckoutAnswer(queryId),
      (answer) => answer !== undefined,
      "the pre-checkout answer",
    );
    expect(api.preCheckoutAnswer(queryId)).toMatchObject({ ok: true });
    // The same payment delivered twice (a redelivery has a new update_id, the same charge).
    const paid = api.successfulPaymentUpdate(100, { payload: order?.id as string, currency: "RUB", totalAmount: 499000 });
    api.push(paid);
    api.push(paid);
    const chargeId = (paid.message as { successful_payment: { telegram_payment_charge_id: string } }).successful_payment
      .telegram_payment_charge_id;
    const sent = await api.waitForSent(100, 6);
    await waitFor(
      async () => (await orderOf(100))[0]?.status,
      (status) => status === "paid",
      "the order paid",
    );
    expect(sent.filter((m) => m.text.includes("Оплата получена"))).toHaveLength(1);
    expect((await orderOf(100))[0]).toMatchObject({ status: "paid", providerPaymentId: chargeId });
  });

  it("refuses a pre-checkout query for another amount, an order it does not know, or one already paid, with a clear message", async () => {
    await toPayStep(101, "С куратором — 9 990 ₽", "boris@example.com");
    const [order] = await orderOf(101);
    const changed = api.pushPreCheckoutQuery(101, { payload: order?.id as string, currency: "RUB", totalAmount: 100 });
    const unknown = api.pushPreCheckoutQuery(101, { payload: "no-such-order", currency: "RUB", totalAmount: 999000 });
    const [paidBefore] = await orderOf(100);
    const settled = api.pushPreCheckoutQuery(100, { payload: paidBefore?.id as string, currency: "RUB", totalAmount: 499000 });
    for (const { queryId } of [changed, unknown, settled]) {
      const answer = await waitFor(
        async () => api.preCheckoutAnswer(queryId),
        (a) => a !== undefined,
        "the pre-checkout answer",
      );
      expect(answer).toMatchObject({ ok: false, errorMessage: expect.stringContaining("неактуален") });
    }
    expect((await orderOf(101))[0]?.status).toBe("pending");
  });

  it("sells a guide for Telegram Stars: XTR, no provider token, one price", async () => {
    api.pushText(200, "/start guide");
    await api.waitForSent(200, 1);
    const [order] = await orderOf(200);
    expect(order).toMatchObject({ provider: "stars", amount: 50, currency: "XTR" });
    expect(api.invoices.find((i) => i.payload === order?.id)).toMatchObject({ currency: "XTR", totalAmount: 50, providerToken: "" });
    expect(api.sent(200)[0]?.text).toContain("Гайд — 50 ⭐");
    const { queryId } = api.pushPreCheckoutQuery(200, { payload: order?.id as string, currency: "XTR", totalAmount: 50 });
    await waitFor(
      async () => api.preCheckoutAnswer(queryId),
      (a) => a?.ok === true,
      "the pre-checkout answer",
    );
    const { chargeId } = api.pushSuccessfulPayment(200, { payload: order?.id as string, currency: "XTR", totalAmount: 50 });
    expect((await api.waitForSent(200, 2))[1]?.text).toContain("Вот гайд");
    // Stars go back whole, through refundStarPayment.
    const env = { DATABASE_URL: running.config.DATABASE_URL as string, TELEGRAM_BOT_TOKEN: "123:TEST-token", TELEGRAM_API_ROOT: api.url };
    const refund = await orkestr(["orders", "refund", order?.id as string], { env });
    expect(refund.stderr).toBe("");
    expect(api.starRefunds).toMatchObject([{ userId: 200, chargeId }]);
    expect((await orderOf(200))[0]).toMatchObject({ status: "refunded", refundedAmount: 50 });
  });
});
