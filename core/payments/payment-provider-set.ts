import type { ChannelName } from "../model/channel-name.ts";
import type { PaymentProviderName } from "../model/order.ts";
import type { PaymentProvider, PaymentProviders } from "../runtime/payment-provider.ts";

/**
 * The providers configured, and the choice for `provider: auto`: YooKassa wherever it is set up
 * (it serves every channel: a link opens in any browser), else the built-in test double.
 */
export class PaymentProviderSet implements PaymentProviders {
  constructor(private readonly providers: readonly PaymentProvider[]) {}

  choose(wanted: PaymentProviderName | "auto", _channel: ChannelName): PaymentProvider | undefined {
    if (wanted !== "auto") return this.byName(wanted);
    return this.byName("yookassa") ?? this.byName("test");
  }

  byName(name: string): PaymentProvider | undefined {
    return this.providers.find((p) => p.name === name);
  }
}
