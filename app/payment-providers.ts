import type { Api } from "grammy";
import { TelegramInvoiceProvider } from "../bots/telegram/telegram-invoice-provider.ts";
import { PaymentProviderSet } from "../core/payments/payment-provider-set.ts";
import { StripeProvider } from "../core/payments/stripe-provider.ts";
import { TestPaymentProvider } from "../core/payments/test-payment-provider.ts";
import { YooKassaProvider } from "../core/payments/yookassa-provider.ts";
import type { Config } from "./config.ts";

/**
 * The payment providers the configuration sets up (docs/payments.md): YooKassa and Stripe with their keys,
 * Telegram Stars wherever the bot runs and Telegram's own payments with a provider token from
 * BotFather, the test double with PAYMENTS_TEST. The app and `orkestr orders refund` use the same.
 */
export function paymentProviders(config: Config, telegramApi: Api | undefined, publicUrl: () => string) {
  const yookassa =
    config.YOOKASSA_SHOP_ID && config.YOOKASSA_SECRET_KEY && config.PUBLIC_URL
      ? new YooKassaProvider({
          shopId: config.YOOKASSA_SHOP_ID,
          secretKey: config.YOOKASSA_SECRET_KEY,
          apiUrl: config.YOOKASSA_API_URL,
          returnUrl: `${config.PUBLIC_URL.replace(/\/$/, "")}/payments/return`,
          receipt: config.YOOKASSA_RECEIPT_VAT_CODE ? { vatCode: config.YOOKASSA_RECEIPT_VAT_CODE } : undefined,
        })
      : undefined;
  const stripe =
    config.STRIPE_SECRET_KEY && config.STRIPE_WEBHOOK_SECRET && config.PUBLIC_URL
      ? new StripeProvider({
          secretKey: config.STRIPE_SECRET_KEY,
          webhookSecret: config.STRIPE_WEBHOOK_SECRET,
          successUrl: `${config.PUBLIC_URL.replace(/\/$/, "")}/payments/return`,
          apiUrl: config.STRIPE_API_URL,
        })
      : undefined;
  const test = config.PAYMENTS_TEST ? new TestPaymentProvider(publicUrl) : undefined;
  const telegram = telegramApi
    ? [
        new TelegramInvoiceProvider("stars", telegramApi),
        ...(config.TELEGRAM_PAYMENT_PROVIDER_TOKEN
          ? [new TelegramInvoiceProvider("telegram", telegramApi, config.TELEGRAM_PAYMENT_PROVIDER_TOKEN)]
          : []),
      ]
    : [];
  const payments = new PaymentProviderSet([
    ...telegram,
    ...(yookassa ? [yookassa] : []),
    ...(stripe ? [stripe] : []),
    ...(test ? [test] : []),
  ]);
  return { payments, yookassa, stripe, test };
}
