import type { Api } from "grammy";
import type { NewPayment, PaymentProvider, ProviderPayment, ProviderRefund } from "../../core/runtime/payment-provider.ts";

/** Telegram's limits for invoices (https://core.telegram.org/bots/api#createinvoicelink). */
const maxTitleLength = 32;
const maxDescriptionLength = 255;

/**
 * Payments inside Telegram: an invoice link (`createInvoiceLink`) behind the pay button, paid
 * in the chat. `telegram` takes money through the payment provider connected in BotFather (its
 * token); `stars` takes Telegram Stars (XTR, no provider token), which Telegram requires for
 * digital goods. The order id is the invoice's payload: `pre_checkout_query` and
 * `successful_payment` carry it back (see TelegramChannel). Telegram has no API to ask about an
 * invoice, so such an order waits for its `successful_payment`.
 */
export class TelegramInvoiceProvider implements PaymentProvider {
  readonly test = false;

  constructor(
    readonly name: "telegram" | "stars",
    private readonly api: Api,
    /** The provider token from BotFather; none for Stars. */
    private readonly providerToken = "",
  ) {}

  async create(payment: NewPayment): Promise<ProviderPayment> {
    const title = payment.title.slice(0, maxTitleLength);
    const url = await this.api.createInvoiceLink(
      title,
      (payment.description ?? payment.title).slice(0, maxDescriptionLength),
      payment.orderId,
      this.name === "stars" ? "" : this.providerToken,
      payment.currency,
      [{ label: title, amount: payment.amount }],
    );
    return {
      providerPaymentId: `invoice:${payment.orderId}`,
      orderId: payment.orderId,
      status: "pending",
      amount: payment.amount,
      currency: payment.currency,
      url,
    };
  }

  /** Stars go back whole (`refundStarPayment`); the bot's payment provider refunds in its own dashboard. */
  async refund({
    providerPaymentId,
    amount,
    currency,
    customerId,
  }: Parameters<NonNullable<PaymentProvider["refund"]>>[0]): Promise<ProviderRefund> {
    if (this.name !== "stars") throw new Error("refund Telegram payments of a payment provider in that provider's dashboard");
    if (!customerId) throw new Error("a Stars refund needs the customer's Telegram user id");
    await this.api.refundStarPayment(Number(customerId), providerPaymentId);
    // A Stars charge is refunded whole and once, so the charge names its refund.
    return { refundId: `refund:${providerPaymentId}`, providerPaymentId, status: "succeeded", amount, currency };
  }

  async fetch(providerPaymentId: string): Promise<ProviderPayment> {
    const orderId = providerPaymentId.replace(/^invoice:/, "");
    // Nothing to ask: the order stays pending until Telegram reports the payment.
    return { providerPaymentId, orderId, status: "pending", amount: 0, currency: "", url: null };
  }
}
