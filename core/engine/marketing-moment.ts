import type { Flow } from "../flow/flow-schema.ts";
import { type MarketingCaps, nextAllowedByCap } from "./marketing-cap.ts";

/**
 * When a marketing message that nobody asked for (a trigger, a win-back) may reach the contact:
 * undefined for now, else the first moment past the frequency cap and the quiet hours, in the
 * contact's time zone `zone`.
 */
export function nextMarketingMoment(flow: Flow, zone: string, now: Date, sentAt: readonly number[], caps: MarketingCaps): Date | undefined {
  const capped = nextAllowedByCap(sentAt, now, zone, { ...caps, ...flow.marketingCaps }) ?? now;
  const allowed = flow.quietHours?.shift(capped, zone) ?? capped;
  return allowed > now ? allowed : undefined;
}
