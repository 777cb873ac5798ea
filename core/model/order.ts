/** Where an order stands. `pending` can still be paid; the others are settled. */
export const orderStatuses = ["pending", "paid", "canceled", "expired", "refunded", "partially_refunded"] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** Payment providers a pay step can name; `auto` picks the best one the channel and configuration allow. */
export const paymentProviderNames = ["yookassa", "telegram", "stars", "stripe", "test"] as const;
export type PaymentProviderName = (typeof paymentProviderNames)[number];

/**
 * A conversation's latest order as templates and conditions see it (`order.url`, `order.paid` …),
 * kept with the conversation's state by the store (the engine reads it, never writes it).
 * `amount` is in major units (rubles) for display; the order itself keeps minor units.
 */
export interface OrderSnapshot {
  id: string;
  stepId: string;
  status: OrderStatus;
  paid: boolean;
  title: string;
  amount: number;
  currency: string;
  url: string | null;
  /** Made by the built-in test double: no money moves, and the customer is told so. */
  test?: boolean;
}

/** Minor units per major unit: kopecks, cents; Telegram Stars have none. */
export function minorUnitsPer(currency: string): number {
  return currency === "XTR" ? 1 : 100;
}

/** An amount in major units (a flow's `4990`, or "4990.50") in minor units, or undefined when it is no positive amount. */
export function toMinorUnits(amount: unknown, currency: string): number | undefined {
  const value = typeof amount === "number" ? amount : Number(String(amount).trim().replace(",", ".").replace(/\s/g, ""));
  if (!Number.isFinite(value) || value <= 0) return undefined;
  const minor = Math.round(value * minorUnitsPer(currency));
  return Number.isSafeInteger(minor) && minor <= 2_147_483_647 ? minor : undefined;
}
