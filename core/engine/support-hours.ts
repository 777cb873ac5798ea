import { DateTime } from "luxon";

const dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** One line of the schedule: these weekdays (1 = Monday … 7 = Sunday), from one minute of the day to another. */
interface Opening {
  days: Set<number>;
  startMinute: number;
  endMinute: number;
}

/** When support next opens, as the customer is told it. */
export interface NextOpening {
  at: Date;
  /** «сегодня», «завтра» or another day of the week, in the support's time zone. */
  day: "today" | "tomorrow" | number;
  /** «9:00». */
  time: string;
}

/**
 * When support staff answer (SUPPORT_HOURS), in their time zone: «mon-fri 09:00-18:00, sat
 * 10:00-14:00», or «09:00-18:00» for every day. Outside these hours a customer handed to staff is
 * told when they will be answered.
 */
export class SupportHours {
  private constructor(
    private readonly openings: Opening[],
    readonly zone: string,
  ) {}

  static parse(schedule: string, zone: string): SupportHours {
    if (!DateTime.now().setZone(zone).isValid) throw new Error(`unknown time zone "${zone}" (use an IANA name such as Europe/Moscow)`);
    const openings = schedule.split(",").map((part) => {
      const match = /^\s*(?:([a-z]{3})(?:-([a-z]{3}))?\s+)?([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)\s*$/i.exec(part);
      if (!match) throw new Error(`support hours are written like "mon-fri 09:00-18:00, sat 10:00-14:00", got "${part.trim()}"`);
      const [, from, to, h1, m1, h2, m2] = match;
      const dayOf = (name: string) => {
        const index = dayNames.indexOf(name.toLowerCase() as (typeof dayNames)[number]);
        if (index < 0) throw new Error(`unknown day "${name}" (mon, tue, wed, thu, fri, sat, sun)`);
        return index + 1;
      };
      const first = from ? dayOf(from) : 1;
      const last = from ? dayOf(to ?? from) : 7;
      const days = new Set<number>();
      for (let day = first; ; day = (day % 7) + 1) {
        days.add(day);
        if (day === last) break;
      }
      const startMinute = Number(h1) * 60 + Number(m1);
      const endMinute = Number(h2) * 60 + Number(m2);
      if (endMinute <= startMinute) throw new Error(`support hours end after they start, got "${part.trim()}"`);
      return { days, startMinute, endMinute };
    });
    return new SupportHours(openings, zone);
  }

  /** Undefined while support is open; else when it opens next (within a week). */
  nextOpening(now: Date): NextOpening | undefined {
    const local = DateTime.fromJSDate(now, { zone: this.zone });
    const minute = local.hour * 60 + local.minute;
    const openNow = this.openings.some((o) => o.days.has(local.weekday) && minute >= o.startMinute && minute < o.endMinute);
    if (openNow) return undefined;
    for (let ahead = 0; ahead <= 7; ahead++) {
      const day = local.startOf("day").plus({ days: ahead });
      const starts = this.openings
        .filter((o) => o.days.has(day.weekday) && (ahead > 0 || o.startMinute > minute))
        .map((o) => o.startMinute)
        .sort((a, b) => a - b);
      const start = starts[0];
      if (start === undefined) continue;
      const at = day.plus({ minutes: start });
      return { at: at.toJSDate(), day: ahead === 0 ? "today" : ahead === 1 ? "tomorrow" : day.weekday, time: at.toFormat("H:mm") };
    }
    return undefined;
  }
}
