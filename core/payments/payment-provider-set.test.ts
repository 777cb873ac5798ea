import { describe, expect, it } from "vitest";
import type { PaymentProvider } from "../runtime/payment-provider.ts";
import { PaymentProviderSet } from "./payment-provider-set.ts";

const provider = (name: PaymentProvider["name"]): PaymentProvider => ({
  name,
  test: name === "test",
  create: () => Promise.reject(new Error("not in this test")),
  fetch: () => Promise.reject(new Error("not in this test")),
});
const all = new PaymentProviderSet(["telegram", "stars", "yookassa", "stripe", "test"].map((n) => provider(n as PaymentProvider["name"])));

describe("which provider a pay step gets", () => {
  it("auto: Telegram's own payments in Telegram, YooKassa for rubles and Stripe for other money elsewhere", () => {
    expect(all.choose("auto", "telegram", "RUB")?.name).toBe("telegram");
    expect(all.choose("auto", "vk", "RUB")?.name).toBe("yookassa");
    expect(all.choose("auto", "web", "EUR")?.name).toBe("stripe");
  });

  it("auto falls back to the other link provider, then to the test double; never to Stars", () => {
    expect(new PaymentProviderSet([provider("stripe")]).choose("auto", "vk", "RUB")?.name).toBe("stripe");
    expect(new PaymentProviderSet([provider("stars"), provider("test")]).choose("auto", "telegram", "RUB")?.name).toBe("test");
    expect(new PaymentProviderSet([provider("stars")]).choose("auto", "telegram", "XTR")).toBeUndefined();
  });

  it("a named provider is that one, and Telegram's only in Telegram", () => {
    expect(all.choose("stars", "telegram", "XTR")?.name).toBe("stars");
    expect(all.choose("stars", "vk", "XTR")).toBeUndefined();
    expect(all.choose("telegram", "web", "RUB")).toBeUndefined();
    expect(all.choose("yookassa", "telegram", "RUB")?.name).toBe("yookassa");
  });
});
