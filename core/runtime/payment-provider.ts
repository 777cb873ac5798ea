import type { ChannelName } from "../model/channel-name.ts";
import type { PaymentProviderName } from "../model/order.ts";

/** A payment to ask a provider for. `orderId` is also its idempotence key: asked twice, the provider gives the same payment. */
export interface NewPayment {
  orderId: string;
  title: string;
  description?: string | undefined;
  /** Minor units. */
  amount: number;
  currency: string;
  customer: { email?: string | null | undefined; phone?: string | null | undefined };
}

/** A payment as the provider reports it. */
export interface ProviderPayment {
  providerPaymentId: string;
  /** Our order, as the payment carries it back (metadata); undefined for a payment that is not ours. */
  orderId: string | undefined;
  status: "pending" | "paid" | "canceled" | "expired";
  amount: number;
  currency: string;
  /** Where the customer pays, while pending. */
  url: string | null;
  expiresAt?: Date | undefined;
  /** Why it was canceled, as the provider says. */
  reason?: string | undefined;
}

/**
 * One payment provider (YooKassa, the built-in test double; Telegram, Stripe next): a new one is
 * one file implementing this. Calls may fail (network, 5xx): the caller retries with the same
 * order id, which the provider takes as the idempotence key.
 */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Marks payments it makes as tests (the built-in double): the customer is told no money moves. */
  readonly test: boolean;
  create(payment: NewPayment): Promise<ProviderPayment>;
  /** The payment's status now: notifications are only hints, this is the truth. */
  fetch(providerPaymentId: string): Promise<ProviderPayment>;
  /**
   * Gives `amount` (minor units) of a paid payment back; `idempotenceKey` makes a retried refund
   * the same refund. Absent for providers that cannot refund from here.
   */
  refund?(refund: {
    providerPaymentId: string;
    amount: number;
    currency: string;
    idempotenceKey: string;
    customerId?: string;
  }): Promise<ProviderRefund>;
  /** A refund as the provider reports it now (its notification is only a hint); for providers that notify of refunds. */
  fetchRefund?(refundId: string): Promise<ProviderRefund>;
}

/** A refund as the provider reports it. */
export interface ProviderRefund {
  /** The provider's id of the refund: it is recorded once, whoever reports it (the refund command, a notification). */
  refundId: string;
  providerPaymentId: string;
  status: "pending" | "succeeded" | "canceled";
  /** Minor units. */
  amount: number;
  currency: string;
}

/** The providers this installation has, and which one a pay step gets on a channel. */
export interface PaymentProviders {
  choose(wanted: PaymentProviderName | "auto", channel: ChannelName, currency: string): PaymentProvider | undefined;
  byName(name: string): PaymentProvider | undefined;
}
