import { randomUUID } from "node:crypto";
import type { NewPayment, PaymentProvider, ProviderPayment } from "../runtime/payment-provider.ts";

/**
 * The built-in test double of a payment provider, for the demo and for trying a sales flow
 * without a shop: its link opens a page of this app (`/payments/test/<id>`) with "pay" and
 * "cancel" buttons instead of a bank. Payments live in this process's memory; no money moves,
 * and the customer is told so.
 */
export class TestPaymentProvider implements PaymentProvider {
  readonly name = "test" as const;
  readonly test = true;
  private readonly payments = new Map<string, ProviderPayment>();
  private readonly byOrder = new Map<string, string>();

  /** `publicUrl`: where this app is reached from the customer's browser (known once it listens). */
  constructor(private readonly publicUrl: () => string) {}

  async create(payment: NewPayment): Promise<ProviderPayment> {
    // Like a real provider's idempotence key: the same order gives the same payment.
    const known = this.byOrder.get(payment.orderId);
    if (known) return this.fetch(known);
    const id = `test-${randomUUID()}`;
    const created: ProviderPayment = {
      providerPaymentId: id,
      orderId: payment.orderId,
      status: "pending",
      amount: payment.amount,
      currency: payment.currency,
      url: `${this.publicUrl().replace(/\/$/, "")}/payments/test/${id}`,
    };
    this.payments.set(id, created);
    this.byOrder.set(payment.orderId, id);
    return { ...created };
  }

  async fetch(providerPaymentId: string): Promise<ProviderPayment> {
    const payment = this.payments.get(providerPaymentId);
    if (!payment) throw new Error(`test payment ${providerPaymentId} is unknown (test payments live until the app restarts)`);
    return { ...payment };
  }

  /** The customer pressed "pay" (or "cancel") on the test page; answers the payment, or undefined for an unknown one. */
  settle(providerPaymentId: string, outcome: "paid" | "canceled"): ProviderPayment | undefined {
    const payment = this.payments.get(providerPaymentId);
    if (!payment) return undefined;
    if (payment.status === "pending") payment.status = outcome;
    return { ...payment };
  }
}
