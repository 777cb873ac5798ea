import Stripe from "stripe";
import type { NewPayment, PaymentProvider, ProviderPayment, ProviderRefund } from "../runtime/payment-provider.ts";

export interface StripeOptions {
  secretKey: string;
  /** Signs the notifications (dashboard → Developers → Webhooks → signing secret). */
  webhookSecret: string;
  /** Where the customer lands after paying (the app's own page). */
  successUrl: string;
  /** https://api.stripe.com by default; a test fake's address otherwise. */
  apiUrl?: string | undefined;
}

/** How long a Checkout Session can be paid (Stripe allows 30 minutes to 24 hours). */
const sessionLifetimeSeconds = 23 * 3600;
/** Tolerance of a notification's signed timestamp, Stripe's default. */
const signatureToleranceSeconds = 300;

/**
 * Stripe Checkout (https://docs.stripe.com/payments/checkout) for customers abroad, through the
 * official SDK: a Checkout Session with our order id as `client_reference_id` and in `metadata`,
 * created with our order id as the idempotency key (the SDK's own retries reuse it).
 * Notifications are signed (`Stripe-Signature`) and verified with the SDK before anything is done.
 */
export class StripeProvider implements PaymentProvider {
  readonly name = "stripe" as const;
  readonly test = false;
  private readonly stripe: Stripe;

  constructor(private readonly options: StripeOptions) {
    const api = options.apiUrl ? new URL(options.apiUrl) : undefined;
    this.stripe = new Stripe(options.secretKey, {
      maxNetworkRetries: 2,
      timeout: 15_000,
      ...(api
        ? {
            host: api.hostname,
            port: api.port || (api.protocol === "http:" ? 80 : 443),
            protocol: api.protocol === "http:" ? "http" : "https",
          }
        : {}),
    });
  }

  async create(payment: NewPayment): Promise<ProviderPayment> {
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: "payment",
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: payment.currency.toLowerCase(),
              unit_amount: payment.amount,
              product_data: { name: payment.title, ...(payment.description ? { description: payment.description } : {}) },
            },
          },
        ],
        client_reference_id: payment.orderId,
        metadata: { orderId: payment.orderId },
        success_url: this.options.successUrl,
        expires_at: Math.floor(Date.now() / 1000) + sessionLifetimeSeconds,
        ...(payment.customer.email ? { customer_email: payment.customer.email } : {}),
      },
      { idempotencyKey: payment.orderId },
    );
    return toProviderPayment(session);
  }

  async fetch(providerPaymentId: string): Promise<ProviderPayment> {
    return toProviderPayment(await this.stripe.checkout.sessions.retrieve(providerPaymentId));
  }

  async refund({
    providerPaymentId,
    amount,
    idempotenceKey,
  }: Parameters<NonNullable<PaymentProvider["refund"]>>[0]): Promise<ProviderRefund> {
    const session = await this.stripe.checkout.sessions.retrieve(providerPaymentId);
    const paymentIntent = typeof session.payment_intent === "string" ? session.payment_intent : session.payment_intent?.id;
    if (!paymentIntent) throw new Error(`Stripe session ${providerPaymentId} has no payment to refund`);
    const refund = await this.stripe.refunds.create({ payment_intent: paymentIntent, amount }, { idempotencyKey: idempotenceKey });
    return {
      refundId: refund.id,
      providerPaymentId,
      // A card refund may stay pending for a while; only a failed or canceled one gives nothing back.
      status:
        refund.status === "succeeded" ? "succeeded" : refund.status === "failed" || refund.status === "canceled" ? "canceled" : "pending",
      amount: refund.amount,
      currency: refund.currency.toUpperCase(),
    };
  }

  /**
   * The payment a signed notification reports, or undefined for an event that says nothing
   * about a Checkout Session's payment. Throws when the signature does not verify (the caller
   * answers 400 and does nothing).
   */
  paymentOfEvent(rawBody: string, signature: string): ProviderPayment | undefined {
    const event = this.stripe.webhooks.constructEvent(rawBody, signature, this.options.webhookSecret, signatureToleranceSeconds);
    if (!event.type.startsWith("checkout.session.")) return undefined;
    return toProviderPayment(event.data.object as Stripe.Checkout.Session);
  }
}

function toProviderPayment(session: Stripe.Checkout.Session): ProviderPayment {
  const orderId = session.metadata?.orderId ?? session.client_reference_id ?? undefined;
  return {
    providerPaymentId: session.id,
    orderId: orderId ?? undefined,
    status: session.payment_status === "paid" ? "paid" : session.status === "expired" ? "expired" : "pending",
    amount: session.amount_total ?? 0,
    currency: (session.currency ?? "").toUpperCase(),
    url: session.url ?? null,
    expiresAt: session.expires_at ? new Date(session.expires_at * 1000) : undefined,
  };
}
