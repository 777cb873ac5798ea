import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeYooKassaApi } from "./fakes/fake-yookassa-api.ts";
import { courseSaleCustomer } from "./support/course-sale-customer.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const flowsDir = new URL("../flows/", import.meta.url).pathname;

/**
 * YOOKASSA_CHECK_IP behind a reverse proxy on the same machine (TRUST_PROXY=loopback): only a
 * notification the proxy says came from YooKassa's published networks is even read.
 */
describe("YooKassa notifications from YooKassa's networks only (real PostgreSQL and Redis)", () => {
  let yookassa: FakeYooKassaApi;
  let running: TestAppWithDatabase;
  let db: pg.Client;

  beforeAll(async () => {
    yookassa = await new FakeYooKassaApi({ shopId: "555", secretKey: "test_key" }).start();
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      YOOKASSA_SHOP_ID: "555",
      YOOKASSA_SECRET_KEY: "test_key",
      YOOKASSA_API_URL: `${yookassa.url}/v3`,
      PUBLIC_URL: "https://shop.example",
      YOOKASSA_CHECK_IP: "true",
      TRUST_PROXY: "loopback",
    });
    db = running.db;
  });
  afterAll(async () => {
    await running?.stop();
    await yookassa?.stop();
  });

  it("refuses a notification from elsewhere with 403 without asking YooKassa, and acts on one from its networks", async () => {
    const { chat } = await courseSaleCustomer(running.app.url, { email: "ira@example.com" });
    const [order] = (
      await db.query(`SELECT o.* FROM "Order" o JOIN "ChannelIdentity" i ON i."contactId" = o."contactId" WHERE i."externalId" = $1`, [
        chat.session,
      ])
    ).rows as Array<{ id: string; providerPaymentId: string }>;
    if (!order) throw new Error("no order at the pay step");
    yookassa.succeed(order.providerPaymentId);
    const webhook = `${running.app.url}/payments/yookassa`;
    const asked = () => yookassa.calls.filter((c) => c.method === "GET").length;

    expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId)).toBe(403);
    for (const sender of ["203.0.113.7", "185.71.76.32", "77.75.156.12", "2a02:5181::1", "not an address"]) {
      expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId, { "x-forwarded-for": sender }), sender).toBe(403);
    }
    // The proxy appends the address it saw: what the sender wrote before it is not believed.
    const spoofed = { "x-forwarded-for": "185.71.76.5, 203.0.113.7" };
    expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId, spoofed)).toBe(403);
    expect(asked()).toBe(0);
    expect((await db.query(`SELECT status FROM "Order" WHERE id = $1`, [order.id])).rows[0]).toEqual({ status: "pending" });

    for (const sender of ["185.71.76.31", "::ffff:77.75.153.100", "2a02:5180::17"]) {
      expect(await yookassa.notify(webhook, "payment.succeeded", order.providerPaymentId, { "x-forwarded-for": sender }), sender).toBe(200);
    }
    expect(asked()).toBe(3);
    expect((await db.query(`SELECT status FROM "Order" WHERE id = $1`, [order.id])).rows[0]).toEqual({ status: "paid" });
    const texts = await chat.waitForBotMessages(6);
    expect(texts.filter((t) => t.includes("Оплата получена"))).toHaveLength(1);
  });
});
