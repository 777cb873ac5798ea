import { DateTime, Duration } from "luxon";

/** A follow-up anchored on a date the flow knows (`on: vars.class_at, before: 1d, at: "18:00"`). */
export interface DateAnchor {
  /** The date or date and time it is anchored on, as read from `on`. */
  value: unknown;
  /** Offset from that date: `before: 1d` or `after: 3d`. */
  before?: string | undefined;
  after?: string | undefined;
  /** Time of day in the contact's time zone, "HH:MM". */
  at?: string | undefined;
  /** `year`: on that day every year (a birthday); the next one to come is planned. */
  every?: "year" | undefined;
}

export type AnchoredDue = { dueAt: Date } | { skip: "bad_date" | "date_passed" };

/** When a date alone (no time, no `at`) is meant: mid-morning, not midnight. */
const dateOnlyHour = 10;

const unitNames = { w: "weeks", d: "days", h: "hours", m: "minutes", s: "seconds", ms: "milliseconds" } as const;

/**
 * The moment a date-anchored follow-up is due, in `zone` (the contact's). Calendar arithmetic:
 * "1d before" keeps the wall-clock time across a change of UTC offset. A value that is not a
 * date in one of the strict forms is `bad_date`; a moment already past is `date_passed` (a
 * reminder sent late is worse than none), unless it repeats every year.
 */
export function anchoredDueAt(anchor: DateAnchor, zone: string, now: Date): AnchoredDue {
  const parsed = parseAnchorDate(anchor.value, zone);
  if (!parsed) return { skip: "bad_date" };
  const moment = (base: DateTime) => {
    let at = anchor.before ? base.minus(calendarDuration(anchor.before)) : base.plus(calendarDuration(anchor.after ?? "0s"));
    const time = anchor.at ?? (parsed.dateOnly ? `${dateOnlyHour}:00` : undefined);
    if (time) {
      const [hour, minute] = time.split(":").map(Number) as [number, number];
      at = at.set({ hour, minute, second: 0, millisecond: 0 });
    }
    return at;
  };
  const nowInZone = DateTime.fromJSDate(now, { zone });
  if (anchor.every === "year") {
    // The offset may cross New Year: last year's date, this year's and next year's are tried in turn.
    for (let year = nowInZone.year - 1; year <= nowInZone.year + 1; year++) {
      const due = moment(sameDayIn(parsed.date, year));
      if (due > nowInZone) return { dueAt: due.toJSDate() };
    }
    return { skip: "date_passed" };
  }
  const due = moment(parsed.date);
  return due > nowInZone ? { dueAt: due.toJSDate() } : { skip: "date_passed" };
}

/** How late a date reminder may still go out (after an outage): later, "tomorrow" would be wrong. */
const lateToleranceMs = 3600_000;
/** A due time this much ahead of the timer is the date moved, not the timers' jitter. */
const earlyToleranceMs = 60_000;

export type AnchorAtSend = { send: true } | { send: false; postponeTo: Date } | { send: false; skip: "bad_date" | "date_passed" };

/**
 * A date-anchored follow-up whose timer fired reads its date again: a class moved to next week
 * moves its reminder, a date removed or long past cancels it. `shift` moves a moment out of
 * quiet hours, as planning did.
 */
export function anchorAtSend(anchor: DateAnchor, zone: string, now: Date, shift: (at: Date) => Date): AnchorAtSend {
  // The occurrence due around now: a yearly one's from yesterday on, a one-off's whenever it is.
  const due = anchoredDueAt(anchor, zone, anchor.every === "year" ? new Date(now.getTime() - 2 * 86_400_000) : new Date(0));
  if ("skip" in due) return { send: false, skip: due.skip };
  const at = shift(due.dueAt);
  if (at.getTime() > now.getTime() + earlyToleranceMs) return { send: false, postponeTo: at };
  if (at.getTime() < now.getTime() - lateToleranceMs) return { send: false, skip: "date_passed" };
  return { send: true };
}

/**
 * The strict forms: ISO 8601 (2026-12-24, 2026-12-24T19:00, with or without an offset) and the
 * Russian way a person writes a date (24.12.2026, 24.12.2026 19:00). A date and time with no
 * offset is read in `zone`.
 */
function parseAnchorDate(value: unknown, zone: string): { date: DateTime; dateOnly: boolean } | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  const forms: Array<[RegExp, (t: string) => DateTime]> = [
    [/^\d{4}-\d{2}-\d{2}$/, (t) => DateTime.fromISO(t, { zone })],
    [
      /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/,
      (t) => DateTime.fromISO(t.replace(" ", "T"), { zone }),
    ],
    [/^\d{2}\.\d{2}\.\d{4}$/, (t) => DateTime.fromFormat(t, "dd.MM.yyyy", { zone })],
    [/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$/, (t) => DateTime.fromFormat(t, "dd.MM.yyyy HH:mm", { zone })],
  ];
  for (const [form, parse] of forms) {
    if (!form.test(text)) continue;
    const date = parse(text);
    // Luxon refuses 31.02 and 25:00 as invalid rather than rolling them over.
    return date.isValid ? { date: date.setZone(zone), dateOnly: !text.includes(":") } : undefined;
  }
  return undefined;
}

/** The same day and time in another year; 29 February becomes the 28th in a common year. */
function sameDayIn(date: DateTime, year: number): DateTime {
  const leapDay = date.month === 2 && date.day === 29;
  const moved = date.set({ year, ...(leapDay ? { day: 28 } : {}) });
  return leapDay && moved.isInLeapYear ? moved.set({ day: 29 }) : moved;
}

/** `1d12h` as calendar units, so a day is a day even when the clocks change. */
function calendarDuration(text: string): Duration {
  const parts: Record<string, number> = {};
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g)) {
    const name = unitNames[unit as keyof typeof unitNames];
    parts[name] = (parts[name] ?? 0) + Number(amount);
  }
  return Duration.fromObject(parts);
}
