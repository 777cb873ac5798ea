import type { NewPayment, PaymentProvider, ProviderPayment, ProviderRefund } from "../runtime/payment-provider.ts";
import { RetryLaterError } from "../runtime/retry-later-error.ts";

export interface YooKassaOptions {
  shopId: string;
  secretKey: string;
  /** https://api.yookassa.ru/v3, or a test fake. */
  apiUrl: string;
  /** Where the payment page sends the customer back (the bot's chat, or the app's own page). */
  returnUrl: string;
  /** 54-FZ receipts: sent with every payment when set (VAT code of the goods; see YooKassa's vat_code table). */
  receipt?: { vatCode: number; paymentMode?: string; paymentSubject?: string } | undefined;
  /** Per request; a payment not created in time is asked for again with the same key. */
  timeoutMs?: number;
}

interface YooKassaPayment {
  id: string;
  status: "pending" | "waiting_for_capture" | "succeeded" | "canceled";
  amount: { value: string; currency: string };
  confirmation?: { confirmation_url?: string };
  metadata?: Record<string, string>;
  expires_at?: string;
  cancellation_details?: { party?: string; reason?: string };
}

interface YooKassaRefund {
  id: string;
  payment_id: string;
  status: "pending" | "succeeded" | "canceled";
  amount: { value: string; currency: string };
}

/** Tries to create a payment, a few hundred milliseconds apart, before the customer is told to try later. */
const createAttempts = 3;

/**
 * YooKassa API v3 (https://yookassa.ru/developers/api): a payment with a redirect confirmation,
 * `capture: true`, our order id in `metadata` and as the `Idempotence-Key`, so a retry after a
 * timeout or a 5xx gives the same payment, never a second one.
 */
export class YooKassaProvider implements PaymentProvider {
  readonly name = "yookassa" as const;
  readonly test = false;

  constructor(private readonly options: YooKassaOptions) {}

  async create(payment: NewPayment): Promise<ProviderPayment> {
    const { receipt } = this.options;
    const customer = payment.customer.email
      ? { email: payment.customer.email }
      : payment.customer.phone
        ? { phone: payment.customer.phone }
        : undefined;
    const amount = { value: majorUnits(payment.amount), currency: payment.currency };
    const body = {
      amount,
      capture: true,
      confirmation: { type: "redirect", return_url: this.options.returnUrl },
      description: (payment.description ?? payment.title).slice(0, 128),
      metadata: { orderId: payment.orderId },
      // A receipt needs the customer's email or phone: without them the payment goes without one.
      ...(receipt && customer
        ? {
            receipt: {
              customer,
              items: [
                {
                  description: payment.title.slice(0, 128),
                  quantity: "1",
                  amount,
                  vat_code: receipt.vatCode,
                  payment_mode: receipt.paymentMode ?? "full_payment",
                  payment_subject: receipt.paymentSubject ?? "service",
                },
              ],
            },
          }
        : {}),
    };
    // A 5xx or a timeout may have created the payment all the same: asked again with the same
    // key, YooKassa answers with that payment, never a second one.
    for (let attempt = 1; ; attempt++) {
      try {
        return toProviderPayment(await this.call<YooKassaPayment>("POST", "/payments", body, payment.orderId));
      } catch (error) {
        const passing = error instanceof RetryLaterError || (error as Error).name === "TimeoutError" || error instanceof TypeError;
        if (!passing || attempt >= createAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
      }
    }
  }

  async refund({
    providerPaymentId,
    amount,
    currency,
    idempotenceKey,
  }: Parameters<NonNullable<PaymentProvider["refund"]>>[0]): Promise<ProviderRefund> {
    const body = { payment_id: providerPaymentId, amount: { value: majorUnits(amount), currency } };
    return toProviderRefund(await this.call<YooKassaRefund>("POST", "/refunds", body, idempotenceKey));
  }

  async fetchRefund(refundId: string): Promise<ProviderRefund> {
    return toProviderRefund(await this.call<YooKassaRefund>("GET", `/refunds/${encodeURIComponent(refundId)}`));
  }

  async fetch(providerPaymentId: string): Promise<ProviderPayment> {
    return toProviderPayment(await this.call<YooKassaPayment>("GET", `/payments/${encodeURIComponent(providerPaymentId)}`));
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown, idempotenceKey?: string): Promise<T> {
    const { shopId, secretKey, apiUrl, timeoutMs = 15_000 } = this.options;
    const response = await fetch(`${apiUrl.replace(/\/$/, "")}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${shopId}:${secretKey}`).toString("base64")}`,
        ...(body ? { "content-type": "application/json" } : {}),
        ...(idempotenceKey ? { "idempotence-key": idempotenceKey } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    const problem = `YooKassa ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`;
    // 5xx and 429 pass; asked again with the same key, YooKassa gives the same payment.
    if (response.status >= 500 || response.status === 429) throw new RetryLaterError(problem, 1_000);
    throw new Error(problem);
  }
}

/** Kopecks as YooKassa writes amounts: "4990.00". */
function majorUnits(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
}

/** "4990.00" as kopecks. */
function minorUnits(value: string): number {
  const [rubles, kopecks = "0"] = value.split(".");
  return Number(rubles) * 100 + Number(kopecks.padEnd(2, "0").slice(0, 2));
}

function toProviderRefund(refund: YooKassaRefund): ProviderRefund {
  return {
    refundId: refund.id,
    providerPaymentId: refund.payment_id,
    status: refund.status,
    amount: minorUnits(refund.amount.value),
    currency: refund.amount.currency,
  };
}

function toProviderPayment(payment: YooKassaPayment): ProviderPayment {
  const reason = payment.cancellation_details?.reason;
  return {
    providerPaymentId: payment.id,
    orderId: payment.metadata?.orderId,
    status:
      payment.status === "succeeded"
        ? "paid"
        : payment.status === "canceled"
          ? reason === "expired_on_confirmation"
            ? "expired"
            : "canceled"
          : "pending",
    amount: minorUnits(payment.amount.value),
    currency: payment.amount.currency,
    url: payment.confirmation?.confirmation_url ?? null,
    expiresAt: payment.expires_at ? new Date(payment.expires_at) : undefined,
    reason,
  };
}
