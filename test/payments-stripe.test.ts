import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { FakeStripeApi } from "./fakes/fake-stripe-api.ts";
import { orkestr } from "./support/orkestr-cli.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

const courseEur = `id: course-eur
title: Course abroad
triggers: [{ start: course_eur }]
steps:
  - id: offer
    say: The course is 49 EUR.
    buttons:
      - { text: Buy, goto: pay }
  - id: pay
    pay: { title: Selling in messengers, amount: 49, currency: EUR, say: "Pay {{ order.amount }} EUR", button: Pay, paid: thanks, expired: offer }
  - id: thanks
    end: Payment received, thank you!
`;
const webhookSecret = "whsec_orkestr_test";

/** Stripe Checkout through the official SDK against a fake that enforces Stripe's contract; real PostgreSQL and Redis. */
describe("payments through Stripe Checkout (web chat)", () => {
  let stripe: FakeStripeApi;
  let running: TestAppWithDatabase;
  let app: RunningOrkestr;
  let db: pg.Client;
  let webhook: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    stripe = await new FakeStripeApi({ secretKey: "sk_test_orkestr" }).start();
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-stripe-flows-"));
    await writeFile(join(flowsDir, "course-eur.yaml"), courseEur);
    env = {
      STRIPE_SECRET_KEY: "sk_test_orkestr",
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_URL: stripe.url,
      PUBLIC_URL: "https://shop.example",
    };
    running = await startTestAppWithDatabase({ FLOWS_DIR: flowsDir, ...env });
    ({ app, db } = running);
    webhook = `${app.url}/payments/stripe`;
  });
  afterAll(async () => {
    await running?.stop();
    await stripe?.stop();
  });

  async function buyer() {
    const chat = new WebChatClient(app.url);
    await chat.start("course-eur");
    await chat.waitForBotMessages(1);
    await chat.press("Buy");
    await chat.waitForBotMessages(2);
    const [message] = (await chat.history()).filter((m) => m.direction === "out").slice(-1);
    const { rows } = await db.query(
      `SELECT o.* FROM "Order" o JOIN "ChannelIdentity" i ON i."contactId" = o."contactId" WHERE i."externalId" = $1`,
      [chat.session],
    );
    return { chat, message, order: rows[0] as { id: string; providerPaymentId: string; status: string } };
  }
  const statusOf = async (id: string) => (await db.query(`SELECT status FROM "Order" WHERE id = $1`, [id])).rows[0]?.status;

  it("sells through a Checkout Session; a signed completion gives one thank-you, its redelivery nothing", async () => {
    const { chat, message, order } = await buyer();
    const session = stripe.session(order.providerPaymentId);
    expect(session).toMatchObject({ client_reference_id: order.id, metadata: { orderId: order.id }, amount_total: 4900, currency: "eur" });
    expect(stripe.calls.find((c) => c.method === "POST" && c.path === "/v1/checkout/sessions")?.idempotencyKey).toBe(order.id);
    expect(message?.text).toBe("Pay 49 EUR");
    expect(message?.buttons?.flat()[0]).toMatchObject({ label: "Pay", url: session?.url });
    stripe.complete(order.providerPaymentId);
    expect((await stripe.sendEvent(webhook, "checkout.session.completed", order.providerPaymentId, webhookSecret)).status).toBe(200);
    expect((await stripe.sendEvent(webhook, "checkout.session.completed", order.providerPaymentId, webhookSecret)).status).toBe(200);
    const texts = await chat.waitForBotMessages(3);
    expect(texts.filter((t) => t.includes("Payment received"))).toHaveLength(1);
    expect(await statusOf(order.id)).toBe("paid");

    // A refund through the CLI goes to the session's payment intent.
    const refund = await orkestr(["orders", "refund", order.id, "9"], {
      env: { ...env, DATABASE_URL: running.config.DATABASE_URL as string },
    });
    expect(refund.stderr).toBe("");
    expect(stripe.refunds).toMatchObject([{ amount: 900, currency: "eur" }]);
    expect(await statusOf(order.id)).toBe("partially_refunded");
  });

  it("refuses a notification signed with another secret or too long ago with 400, and does nothing", async () => {
    const { chat, order } = await buyer();
    stripe.complete(order.providerPaymentId);
    const forged = await stripe.sendEvent(webhook, "checkout.session.completed", order.providerPaymentId, webhookSecret, {
      signWith: "whsec_other",
    });
    const stale = await stripe.sendEvent(webhook, "checkout.session.completed", order.providerPaymentId, webhookSecret, {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect([forged.status, stale.status]).toEqual([400, 400]);
    expect(await statusOf(order.id)).toBe("pending");
    expect((await chat.botTexts()).some((t) => t.includes("Payment received"))).toBe(false);
  });

  it("expires the order with its session and brings the offer again", async () => {
    const { chat, order } = await buyer();
    stripe.expire(order.providerPaymentId);
    expect((await stripe.sendEvent(webhook, "checkout.session.expired", order.providerPaymentId, webhookSecret)).status).toBe(200);
    expect(await statusOf(order.id)).toBe("expired");
    expect((await chat.waitForBotMessages(3)).at(-1)).toBe("The course is 49 EUR.");
  });
});
