import { DateTime } from "luxon";

/** How many marketing messages one contact may get, across all flows. */
export interface MarketingCaps {
  perDay?: number | undefined;
  perWeek?: number | undefined;
}

/**
 * The frequency cap: marketing follow-ups already sent to the contact (`sentAt`, in ms) counted
 * per calendar day and ISO week (Monday first) in the contact's time zone. Returns when the next
 * one may go (the next day, or the next week when the week's cap is reached), or undefined when
 * one may go now.
 */
export function nextAllowedByCap(sentAt: readonly number[], now: Date, zone: string, caps: MarketingCaps): Date | undefined {
  const local = DateTime.fromJSDate(now, { zone });
  const day = local.startOf("day");
  const week = local.startOf("week");
  const since = (start: DateTime) => sentAt.filter((at) => at >= start.toMillis()).length;
  if (caps.perWeek !== undefined && since(week) >= caps.perWeek) return week.plus({ weeks: 1 }).toJSDate();
  if (caps.perDay !== undefined && since(day) >= caps.perDay) return day.plus({ days: 1 }).toJSDate();
  return undefined;
}
