import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { FakeYooKassaApi } from "./fakes/fake-yookassa-api.ts";
import { courseSaleCustomer } from "./support/course-sale-customer.ts";
import { orkestr } from "./support/orkestr-cli.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const flowsDir = new URL("../flows/", import.meta.url).pathname;

/**
 * The example course sale (flows/course-sale.yaml) on the web chat, paid through the real
 * YooKassa client against a fake that enforces YooKassa's contract, with real PostgreSQL and Redis.
 */
describe("payments through YooKassa (web chat, real PostgreSQL and Redis)", () => {
  let yookassa: FakeYooKassaApi;
  const vkApi = new FakeVkApi();
  let running: TestAppWithDatabase;
  let app: RunningOrkestr;
  let db: pg.Client;
  let webhook: string;

  beforeAll(async () => {
    yookassa = await new FakeYooKassaApi({ shopId: "555", secretKey: "test_key" }).start();
    await vkApi.start();
    running = await startTestAppWithDatabase({
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "777",
      VK_API_BASE_URL: `${vkApi.url}/method`,
      FLOWS_DIR: flowsDir,
      YOOKASSA_SHOP_ID: "555",
      YOOKASSA_SECRET_KEY: "test_key",
      YOOKASSA_API_URL: `${yookassa.url}/v3`,
      PUBLIC_URL: "https://shop.example",
      // 54-FZ receipts on: the fake refuses a receipt without the customer's contact or VAT code.
      YOOKASSA_RECEIPT_VAT_CODE: "1",
    });
    ({ app, db } = running);
    webhook = `${app.url}/payments/yookassa`;
  });
  afterAll(async () => {
    await running?.stop();
    await yookassa?.stop();
    await vkApi.stop();
  });

  /** A customer who chose the basic tariff and gave an email: the bot has shown the pay button. */
  async function customerAtPayStep(email: string) {
    const { chat, offer: text, payUrl: url } = await courseSaleCustomer(app.url, { email });
    const { rows } = await db.query(
      `SELECT o.* FROM "Order" o JOIN "ChannelIdentity" i ON i."contactId" = o."contactId" WHERE i."externalId" = $1`,
      [chat.session],
    );
    return { chat, url, text, orders: rows as Array<Record<string, unknown>> };
  }

  const orderOf = async (id: string) => (await db.query(`SELECT * FROM "Order" WHERE id = $1`, [id])).rows[0];
  const contactOf = async (session: string) =>
    (await db.query(`SELECT c.* FROM "Contact" c JOIN "ChannelIdentity" i ON i."contactId" = c.id WHERE i."externalId" = $1`, [session]))
      .rows[0];

  it("sells the course: one payment asked for, the link shown, three notifications give one thank-you", async () => {
    const { chat, url, text, orders } = await customerAtPayStep("anna@example.com");
    expect(text).toContain("Тариф «Базовый» — 4990 ₽");
    expect(orders).toHaveLength(1);
    const order = orders[0] as { id: string; providerPaymentId: string; amount: number; status: string };
    expect(order).toMatchObject({ amount: 499000, currency: "RUB", status: "pending", provider: "yookassa" });
    const payment = yookassa.payment(order.providerPaymentId);
    expect(payment).toMatchObject({ amount: { value: "4990.00", currency: "RUB" }, metadata: { orderId: order.id } });
    expect(url).toBe(payment?.confirmation?.confirmation_url);
    const create = yookassa.calls.find((c) => c.method === "POST");
    expect(create?.idempotenceKey).toBe(order.id);
    expect((create?.body as { receipt?: unknown } | undefined)?.receipt).toEqual({
      customer: { email: "anna@example.com" },
      items: [
        {
          description: "Курс «Продажи в мессенджерах»",
          quantity: "1",
          amount: { value: "4990.00", currency: "RUB" },
          vat_code: 1,
          payment_mode: "full_payment",
          payment_subject: "service",
        },
      ],
    });

    yookassa.succeed(order.providerPaymentId);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId));
    expect(answers).toEqual([200, 200, 200]);
    const texts = await chat.waitForBotMessages(6);
    expect(texts.filter((t) => t.includes("Оплата получена"))).toHaveLength(1);
    expect(await orderOf(order.id)).toMatchObject({ status: "paid" });
    const contact = await contactOf(chat.session);
    expect(contact).toMatchObject({ ordersCount: 1, totalSpent: { RUB: 499000 } });
    expect(contact.tags).toContain("customer");
    // The abandoned-payment reminders of the pay step are cancelled with the visit.
    const { rows: reminders } = await db.query(
      `SELECT f.status FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId" WHERE v."contactId" = $1 AND f."stepId" = 'pay'`,
      [contact.id],
    );
    expect(reminders.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    const { rows: paidEvents } = await db.query(`SELECT data FROM "Event" WHERE "contactId" = $1 AND type = 'order_paid'`, [contact.id]);
    expect(paidEvents).toEqual([{ data: { orderId: order.id, stepId: "pay", amount: 499000, currency: "RUB", provider: "yookassa" } }]);
  });

  it("acts on nothing a forged notification says: the payment is asked of YooKassa, which says pending", async () => {
    const { chat, orders } = await customerAtPayStep("boris@example.com");
    const order = orders[0] as { id: string; providerPaymentId: string };
    const forged = {
      type: "notification",
      event: "payment.succeeded",
      object: { id: order.providerPaymentId, status: "succeeded", paid: true },
    };
    expect(await yookassa.notifyForged(webhook, forged)).toBe(200);
    expect(await yookassa.notifyForged(webhook, { ...forged, object: { id: "00000000-0000-0000-0000-000000000000" } })).toBe(200);
    expect(await yookassa.notifyForged(webhook, { hello: "world" })).toBe(400);
    expect(await orderOf(order.id)).toMatchObject({ status: "pending" });
    expect((await chat.botTexts()).some((t) => t.includes("Оплата получена"))).toBe(false);
  });

  it("asks again with the same idempotence key after a 5xx whose answer was lost: one payment", async () => {
    const before = yookassa.createdPayments();
    yookassa.failNextAfterCreate(1);
    const { url, orders } = await customerAtPayStep("vera@example.com");
    expect(orders).toHaveLength(1);
    expect(url).toBe(yookassa.payment((orders[0] as { providerPaymentId: string }).providerPaymentId)?.confirmation?.confirmation_url);
    expect(yookassa.createdPayments() - before).toBe(1);
    const keys = yookassa.calls
      .filter((c) => c.method === "POST" && c.path === "/v3/payments")
      .slice(-2)
      .map((c) => c.idempotenceKey);
    expect(new Set(keys).size).toBe(1);
  });

  it("shows the same order again when the customer writes at the pay step, and a fresh one once it expired", async () => {
    const { chat, url, orders } = await customerAtPayStep("gleb@example.com");
    const first = orders[0] as { id: string; providerPaymentId: string };
    await chat.say("не вижу кнопку");
    await chat.waitForBotMessages(5);
    const [again] = (await chat.history()).filter((m) => m.direction === "out").slice(-1);
    expect(again?.buttons?.flat().find((b) => b.label === "Оплатить")?.url).toBe(url);
    const count = (
      await db.query(`SELECT count(*)::int AS n FROM "Order" WHERE "contactId" = (SELECT "contactId" FROM "Order" WHERE id = $1)`, [
        first.id,
      ])
    ).rows[0].n;
    expect(count).toBe(1);
    yookassa.cancel(first.providerPaymentId, "expired_on_confirmation");
    expect(await yookassa.notify(webhook, "payment.canceled", first.providerPaymentId)).toBe(200);
    // `expired: pay` enters the step again: a new order with a new link.
    await waitFor(
      async () =>
        (await db.query(`SELECT status FROM "Order" WHERE "contactId" = (SELECT "contactId" FROM "Order" WHERE id = $1)`, [first.id])).rows,
      (rows) => rows.length === 2,
      "a fresh order",
    );
    expect(await orderOf(first.id)).toMatchObject({ status: "expired" });
    const texts = await chat.waitForBotMessages(6);
    const fresh = (
      await db.query(`SELECT * FROM "Order" WHERE "contactId" = (SELECT "contactId" FROM "Order" WHERE id = $1) AND status = 'pending'`, [
        first.id,
      ])
    ).rows[0];
    expect(texts.at(-1)).toContain("Тариф «Базовый»");
    expect(fresh.paymentUrl).not.toBe((await orderOf(first.id)).paymentUrl);
  });

  it("settles a paid order whose notification was lost when the reconciliation asks YooKassa; a late notification adds nothing", async () => {
    const { chat, orders } = await customerAtPayStep("dana@example.com");
    const order = orders[0] as { id: string; providerPaymentId: string };
    yookassa.succeed(order.providerPaymentId);
    // Nothing heard of it for longer than the reconciliation waits.
    await db.query(`UPDATE "Order" SET "updatedAt" = now() - interval '1 hour' WHERE id = $1`, [order.id]);
    expect(await app.runtime.reconcilePayments()).toBe(1);
    expect(await orderOf(order.id)).toMatchObject({ status: "paid" });
    await chat.waitForBotMessages(6);
    expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId)).toBe(200);
    expect(await app.runtime.reconcilePayments()).toBe(0);
    expect((await chat.botTexts()).filter((t) => t.includes("Оплата получена"))).toHaveLength(1);
  });

  it("records and answers a payment that comes after the customer moved on to another flow", async () => {
    const { chat, orders } = await customerAtPayStep("egor@example.com");
    const order = orders[0] as { id: string; providerPaymentId: string };
    await chat.start("checklist-funnel");
    const before = (await chat.waitForBotMessages(5)).length;
    yookassa.succeed(order.providerPaymentId);
    expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId)).toBe(200);
    expect(await orderOf(order.id)).toMatchObject({ status: "paid" });
    const texts = await chat.waitForBotMessages(before + 2);
    expect(texts.slice(before).join("\n")).toContain("Оплата получена");
    // The customer stays in the flow they went to.
    expect(await chat.state()).toMatchObject({ flowId: "checklist-funnel" });
  });

  it("lists orders and refunds one through YooKassa, partly and then the rest, with the CLI", async () => {
    const { chat, orders } = await customerAtPayStep("zoya@example.com");
    const order = orders[0] as { id: string; providerPaymentId: string };
    yookassa.succeed(order.providerPaymentId);
    expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId)).toBe(200);
    const env = {
      DATABASE_URL: running.config.DATABASE_URL as string,
      YOOKASSA_SHOP_ID: "555",
      YOOKASSA_SECRET_KEY: "test_key",
      YOOKASSA_API_URL: `${yookassa.url}/v3`,
      PUBLIC_URL: "https://shop.example",
    };
    const listed = await orkestr(["orders", "--status", "paid"], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${order.id} .* paid +4990\\.00 RUB +yookassa +course-sale/pay +zoya@example\\.com`));
    const part = await orkestr(["orders", "refund", order.id, "1000"], { env });
    expect(part.stderr).toBe("");
    expect(part.stdout).toContain("the order is partially_refunded");
    expect(yookassa.refunds.map((r) => r.amount.value)).toContain("1000.00");
    expect(await contactOf(chat.session)).toMatchObject({ ordersCount: 1, totalSpent: { RUB: 399000 } });
    const rest = await orkestr(["orders", "refund", order.id], { env });
    expect(rest.stdout).toContain("the order is refunded");
    expect(await contactOf(chat.session)).toMatchObject({ ordersCount: 0, totalSpent: { RUB: 0 } });
    const again = await orkestr(["orders", "refund", order.id], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is refunded, not paid");
    // YooKassa then notifies of both refunds: they were recorded already, by their ids.
    for (const refund of yookassa.refunds.filter((r) => r.payment_id === order.providerPaymentId)) {
      expect(await yookassa.notify(webhook, "refund.succeeded", refund.id)).toBe(200);
    }
    expect(await contactOf(chat.session)).toMatchObject({ ordersCount: 0, totalSpent: { RUB: 0 } });
    const { rows } = await db.query(`SELECT data FROM "Event" WHERE type = 'order_refunded' AND data->>'orderId' = $1 ORDER BY id`, [
      order.id,
    ]);
    expect(rows.map((r) => [r.data.refunded, r.data.total_refunded])).toEqual([
      [100000, 100000],
      [399000, 499000],
    ]);
  });

  it("records a refund made in YooKassa's dashboard from its notification, confirmed with YooKassa, once", async () => {
    const { chat, orders } = await customerAtPayStep("lev@example.com");
    const order = orders[0] as { id: string; providerPaymentId: string };
    yookassa.succeed(order.providerPaymentId);
    expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId)).toBe(200);
    await chat.waitForBotMessages(6);
    // A forged refund notification (a refund YooKassa does not know) changes nothing.
    const forged = { type: "notification", event: "refund.succeeded", object: { id: "2f3a1b9c-000f-5000-9000-1b2c3d4e5f60" } };
    expect(await yookassa.notifyForged(webhook, forged)).toBe(200);
    expect(await orderOf(order.id)).toMatchObject({ status: "paid", refundedAmount: 0 });

    const refund = yookassa.refundInDashboard(order.providerPaymentId, "990.00");
    expect(await yookassa.notify(webhook, "refund.succeeded", refund.id)).toBe(200);
    expect(await yookassa.notify(webhook, "refund.succeeded", refund.id)).toBe(200);
    expect(await orderOf(order.id)).toMatchObject({ status: "partially_refunded", refundedAmount: 99000 });
    expect(await contactOf(chat.session)).toMatchObject({ ordersCount: 1, totalSpent: { RUB: 400000 } });
    const { rows } = await db.query(`SELECT data FROM "Event" WHERE type = 'order_refunded' AND data->>'orderId' = $1`, [order.id]);
    expect(rows.map((r) => r.data)).toEqual([
      {
        orderId: order.id,
        stepId: "pay",
        amount: 499000,
        currency: "RUB",
        provider: "yookassa",
        refund_id: refund.id,
        refunded: 99000,
        total_refunded: 99000,
      },
    ]);
  });

  it("sells the course to a VK customer with the YooKassa link as a link button", async () => {
    vkApi.pushMessage(701, "курс");
    await vkApi.waitForSent(701, 1);
    vkApi.pressButton(701, "Базовый — 4 990 ₽");
    await vkApi.waitForSent(701, 2);
    vkApi.pressButton(701, "Согласен");
    await vkApi.waitForSent(701, 3);
    vkApi.pushMessage(701, "vk-buyer@example.com");
    const sent = await vkApi.waitForSent(701, 4);
    const link = ((sent[3]?.keyboard?.buttons ?? []) as Array<Array<{ action: { type: string; link?: string } }>>).flat()[0]?.action;
    const [order] = (
      await db.query(`SELECT o.* FROM "Order" o JOIN "ChannelIdentity" i ON i."contactId" = o."contactId" WHERE i."externalId" = '701'`)
    ).rows;
    expect(link).toEqual({
      type: "open_link",
      link: yookassa.payment(order.providerPaymentId)?.confirmation?.confirmation_url,
      label: "Оплатить",
    });
    yookassa.succeed(order.providerPaymentId);
    expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId)).toBe(200);
    expect((await vkApi.waitForSent(701, 6)).map((m) => m.text).join("\n")).toContain("Оплата получена");
  });
});
