import { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import type { StripeProvider } from "../../core/payments/stripe-provider.ts";
import type { TestPaymentProvider } from "../../core/payments/test-payment-provider.ts";
import type { ConversationRuntime, Logger } from "../../core/runtime/conversation-runtime.ts";
import type { PaymentProvider, ProviderPayment, ProviderRefund } from "../../core/runtime/payment-provider.ts";
import { RetryLaterError } from "../../core/runtime/retry-later-error.ts";
import type { ClientAddress } from "../client-address.ts";
import { yookassaSenders } from "./yookassa-senders.ts";

export const yookassaWebhookPath = "/payments/yookassa";
export const stripeWebhookPath = "/payments/stripe";

/** A YooKassa notification: only what we read of it; the rest is asked of YooKassa itself. */
const yookassaNotification = z.object({
  type: z.literal("notification"),
  event: z.string(),
  object: z.object({ id: z.string().min(1).max(64) }),
});

export interface PaymentRoutesOptions {
  runtime: ConversationRuntime;
  yookassa?: PaymentProvider | undefined;
  stripe?: StripeProvider | undefined;
  test?: TestPaymentProvider | undefined;
  /** Refuse YooKassa notifications from addresses outside YooKassa's published networks (YOOKASSA_CHECK_IP). */
  checkYooKassaSender?: boolean;
  clientAddress: ClientAddress;
  logger: Logger;
}

/**
 * The payment providers' doors into the app: YooKassa's and Stripe's notifications (`POST /payments/yookassa`, `/payments/stripe`),
 * the page a customer returns to after paying, and the built-in test double's checkout page.
 *
 * YooKassa signs nothing, so a notification is only a hint: the payment is asked of YooKassa
 * (`GET /v3/payments/{id}`, `GET /v3/refunds/{id}`) and only what it says is acted on. A forged
 * notification therefore changes nothing. The answer is 200 once the news is handled (or is not
 * ours); while YooKassa cannot be asked the answer is 503, and YooKassa sends the notification again.
 */
export function paymentRoutes(options: PaymentRoutesOptions): Hono {
  const { runtime, yookassa, stripe, test, logger } = options;
  const routes = new Hono();
  const fromYooKassa = options.checkYooKassaSender ? yookassaSenders() : () => true;
  const settle = async (provider: PaymentProvider, payment: ProviderPayment) => {
    if (!payment.orderId || payment.status === "pending") return false;
    return runtime.settlePayment({
      key: `${provider.name}:${payment.providerPaymentId}:${payment.status}`,
      orderId: payment.orderId,
      providerPaymentId: payment.providerPaymentId,
      status: payment.status,
      amount: payment.amount,
      currency: payment.currency,
    });
  };

  routes.post(yookassaWebhookPath, async (c) => {
    if (!yookassa) return c.json({ error: "YooKassa is not configured" }, 404);
    const sender = options.clientAddress(c);
    if (!fromYooKassa(sender)) {
      logger.warn({ sender }, "yookassa notification refused: not sent from YooKassa's networks");
      return c.json({ error: "not sent from YooKassa's networks" }, 403);
    }
    const notification = yookassaNotification.safeParse(await c.req.json().catch(() => undefined));
    if (!notification.success) return c.json({ error: "not a YooKassa notification" }, 400);
    const { event, object } = notification.data;
    const refund = event === "refund.succeeded";
    if (!refund && !event.startsWith("payment.")) return c.body(null, 200);
    const confirmed = await (refund ? yookassa.fetchRefund?.(object.id) : yookassa.fetch(object.id))?.catch(
      (error: unknown) => error as Error,
    );
    if (confirmed instanceof Error) {
      // YooKassa away: answered with an error, so it sends the notification again. What it
      // refuses to know (4xx) is a forgery or another shop's: acknowledged, nothing done.
      const passing = confirmed instanceof RetryLaterError || confirmed.name === "TimeoutError" || confirmed instanceof TypeError;
      logger.warn(
        { err: confirmed, id: object.id, event },
        passing ? "yookassa notification not confirmed yet" : "yookassa notification of something unknown ignored",
      );
      return passing ? c.json({ error: "not confirmed by YooKassa yet" }, 503) : c.body(null, 200);
    }
    if (refund) {
      // Made in the dashboard or by the refund command: recorded once by its id either way.
      const made = confirmed as ProviderRefund | undefined;
      if (made?.status === "succeeded") await runtime.recordRefund({ ...made, provider: yookassa.name });
      return c.body(null, 200);
    }
    const payment = confirmed as ProviderPayment;
    if (!payment.orderId) logger.warn({ paymentId: payment.providerPaymentId }, "yookassa payment without our order id ignored");
    await settle(yookassa, payment);
    return c.body(null, 200);
  });

  // Stripe signs its notifications: one whose signature does not verify (forged, another
  // endpoint's secret, older than 5 minutes) is refused with 400 and nothing is done.
  routes.post(stripeWebhookPath, async (c) => {
    if (!stripe) return c.json({ error: "Stripe is not configured" }, 404);
    const raw = await c.req.text();
    let payment: ProviderPayment | undefined;
    try {
      payment = stripe.paymentOfEvent(raw, c.req.header("stripe-signature") ?? "");
    } catch (error) {
      logger.warn({ err: error }, "stripe notification refused: its signature does not verify");
      return c.json({ error: "signature does not verify" }, 400);
    }
    if (payment) await settle(stripe, payment);
    return c.body(null, 200);
  });

  routes.get("/payments/return", (c) => c.html(page("Спасибо!", html`<p>Вернитесь в чат: бот напишет, как только платёж пройдёт.</p>`)));

  if (test) {
    const testId = z.string().regex(/^test-[0-9a-f-]{36}$/);
    routes.get("/payments/test/:id", async (c) => {
      const id = testId.safeParse(c.req.param("id"));
      const payment = id.success ? await test.fetch(id.data).catch(() => undefined) : undefined;
      if (!payment) return c.html(page("Платёж не найден", html`<p>Тестовые платежи живут до перезапуска приложения.</p>`), 404);
      const amount = `${(payment.amount / 100).toFixed(2)} ${payment.currency}`;
      return c.html(
        page(
          "Тестовая оплата",
          html`<p><strong>Это тестовый платёж: деньги не спишутся.</strong></p>
            <p>Сумма: ${amount}. Статус: ${payment.status}.</p>
            ${
              payment.status === "pending"
                ? html`<form method="post" action="/payments/test/${payment.providerPaymentId}/paid"><button>Оплатить (тест)</button></form>
                  <form method="post" action="/payments/test/${payment.providerPaymentId}/canceled"><button>Отменить</button></form>`
                : html`<p>Вернитесь в чат.</p>`
            }`,
        ),
      );
    });
    routes.post("/payments/test/:id/:outcome{paid|canceled}", async (c) => {
      const id = testId.safeParse(c.req.param("id"));
      const payment = id.success ? test.settle(id.data, c.req.param("outcome") as "paid" | "canceled") : undefined;
      if (!payment) return c.html(page("Платёж не найден", html`<p>Тестовые платежи живут до перезапуска приложения.</p>`), 404);
      await settle(test, payment);
      return c.html(page(payment.status === "paid" ? "Оплачено (тест)" : "Платёж отменён", html`<p>Вернитесь в чат.</p>`));
    });
  }
  return routes;
}

function page(title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
    <html lang="ru">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
      </head>
      <body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
        <h1>${title}</h1>
        ${body}
      </body>
    </html>`;
}
