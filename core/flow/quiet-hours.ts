import { DateTime } from "luxon";

/**
 * "22:00-09:00" in a time zone: no follow-up is planned inside that window; one that would
 * fall inside moves to its end. The window may cross midnight.
 */
export class QuietHours {
  private constructor(
    private readonly startMinute: number,
    private readonly endMinute: number,
    /** IANA time zone the window is read in. */
    readonly zone: string,
  ) {}

  /** The window as written, e.g. "22:00-09:00". */
  get window(): string {
    const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
    return `${hhmm(this.startMinute)}-${hhmm(this.endMinute)}`;
  }

  static parse(window: string, zone: string): QuietHours {
    const match = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(window);
    if (!match) throw new Error(`quiet hours are written like 22:00-09:00, got "${window}"`);
    if (!DateTime.now().setZone(zone).isValid) throw new Error(`unknown time zone "${zone}" (use an IANA name such as Europe/Moscow)`);
    const [h1, m1, h2, m2] = match.slice(1).map(Number) as [number, number, number, number];
    return new QuietHours(h1 * 60 + m1, h2 * 60 + m2, zone);
  }

  /** `at` itself when it is outside the window, else the end of the window; read in `zone` (the contact's) when given. */
  shift(at: Date, zone: string = this.zone): Date {
    const local = DateTime.fromJSDate(at, { zone });
    const minute = local.hour * 60 + local.minute;
    const crossesMidnight = this.startMinute > this.endMinute;
    const inside = crossesMidnight
      ? minute >= this.startMinute || minute < this.endMinute
      : minute >= this.startMinute && minute < this.endMinute;
    if (!inside) return at;
    const endToday = local.startOf("day").plus({ minutes: this.endMinute });
    const end = crossesMidnight && minute >= this.startMinute ? endToday.plus({ days: 1 }) : endToday;
    return end.toJSDate();
  }
}
