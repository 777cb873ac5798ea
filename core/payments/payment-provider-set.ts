import type { ChannelName } from "../model/channel-name.ts";
import type { PaymentProviderName } from "../model/order.ts";
import type { PaymentProvider, PaymentProviders } from "../runtime/payment-provider.ts";

/**
 * The providers configured, and the choice for `provider: auto`: on Telegram its own payments
 * when a provider token is set up (the customer pays without leaving the chat); else YooKassa
 * for rubles and Stripe for other currencies, wherever they are set up (a link opens in any
 * browser); else the other of the two; else the built-in test double. Telegram Stars are for
 * Telegram only and never chosen by `auto` (prices in Stars are another currency).
 */
export class PaymentProviderSet implements PaymentProviders {
  constructor(private readonly providers: readonly PaymentProvider[]) {}

  choose(wanted: PaymentProviderName | "auto", channel: ChannelName, currency: string): PaymentProvider | undefined {
    const onTelegramOnly = wanted === "telegram" || wanted === "stars";
    if (onTelegramOnly && channel !== "telegram") return undefined;
    if (wanted !== "auto") return this.byName(wanted);
    const links = currency === "RUB" ? ["yookassa", "stripe"] : ["stripe", "yookassa"];
    const order = [...(channel === "telegram" ? ["telegram"] : []), ...links, "test"];
    return order.map((name) => this.byName(name)).find((provider) => provider !== undefined);
  }

  byName(name: string): PaymentProvider | undefined {
    return this.providers.find((p) => p.name === name);
  }
}
