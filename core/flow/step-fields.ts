import { z } from "zod";
import { systemContactFields } from "../model/contact-view.ts";
import { stageNames } from "../model/stage.ts";
import { isTimeOfDay } from "../model/time-of-day.ts";

/** The building blocks step kinds make their schemas of, so every kind writes ids, templates and durations alike. */

export const stageSchema = z.enum(stageNames).describe("Customer-journey stage of the step");

const idPattern = /^[a-z0-9][a-z0-9_-]*$/;
export const stepIdSchema = z
  .string()
  .regex(idPattern, "ids use lower-case latin letters, digits, '_' and '-'")
  .max(40)
  .describe("Stable step id, referenced by goto");

/** A name in reports and lookups (lead magnet, promo pool …): the same alphabet as step ids. */
export const nameSchema = z.string().regex(idPattern).max(40);

/** Durations such as `30m`, `1h`, `1h30m`, `7d`: a number alone is refused (minutes or days?). */
export const durationSchema = z
  .string()
  .regex(/^\s*(\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*)+$/, "a duration is a number with a unit: 30s, 15m, 2h, 7d, 1h30m")
  .describe("Delay such as 30m, 2h, 7d or 1h30m");

/** A Liquid template, e.g. `Привет, {{ contact.first_name | default: 'друг' }}!` */
export const templateSchema = z.string().min(1).describe("Text (Liquid template; simple HTML: <b> <i> <u> <s> <code> <a>)");

/** A condition in CEL, e.g. `vars.score >= 9 && "vip" in contact.tags`. */
export const conditionSchema = z.string().min(1).describe("Condition in CEL, e.g. vars.score >= 9");

/** Where an answer or a `set` value goes: a contact field or a flow variable. */
export const fieldPathSchema = z
  .string()
  .regex(/^(contact|vars)\.[a-z_][a-z0-9_]*$/, "write contact.<field> or vars.<name> (lower-case, digits, '_')")
  // Attribution and purchase facts are kept by Orkestr from what happened; a flow writing them would lie.
  .refine((path) => !systemContactFields.some((field) => path === `contact.${field}`), {
    message: `${systemContactFields.map((f) => `contact.${f}`).join(", ")} are kept by Orkestr and cannot be written by a flow`,
  })
  .describe("contact.<field> or vars.<name>");

/** A button label: VK allows 40 characters. */
export const labelSchema = z.string().min(1).max(40);

export const linkSchema = z.url({ protocol: /^https?$/ });

export const followUpSchema = z
  .strictObject({
    after: durationSchema.optional().describe("Delay after entering the step (or, with `on`, after that date)"),
    on: z
      .string()
      .regex(/^(contact|vars|event|order)(\.[a-z_][a-z0-9_]*)+$/, "write contact.<field>, vars.<name>, event.<field> or order.<field>")
      .optional()
      .describe("Anchor on a date the flow knows (2026-12-24, 2026-12-24T19:00, 24.12.2026): due relative to it, not to the step's entry"),
    before: durationSchema.optional().describe("With `on`: this long before the date"),
    at: z
      .string()
      .refine(isTimeOfDay, "a time of day is HH:MM, e.g. 18:00")
      .optional()
      .describe("With `on`: at this time of day in the contact's time zone"),
    every: z.literal("year").optional().describe("With `on`: on that day every year (a birthday)"),
    say: templateSchema.optional(),
    goto: stepIdSchema.optional(),
    unless: conditionSchema.optional().describe("Skip the follow-up when this condition is true at send time"),
    marketing: z
      .boolean()
      .optional()
      .describe("false for a service reminder; marketing follow-ups (the default) need the contact's consent where the flow requires it"),
    overCap: z
      .enum(["postpone", "drop"])
      .optional()
      .describe("Past the contact's marketing cap: postpone to the next day (default) or drop it"),
  })
  .refine((f) => f.say !== undefined || f.goto !== undefined, { message: "a follow-up needs `say`, `goto` or both" })
  .refine((f) => f.on !== undefined || f.after !== undefined, { message: "a follow-up needs `after` (a delay) or `on` (a date)" })
  .refine((f) => f.on !== undefined || (f.before === undefined && f.at === undefined && f.every === undefined), {
    message: "`before`, `at` and `every` need `on` (the date they are counted from)",
  })
  .refine((f) => f.before === undefined || f.after === undefined, {
    message: "a date-anchored follow-up has `before` or `after`, not both",
  })
  .describe("Sent after a delay if the contact is still at this step");

/** Keys every step has, whatever its kind. */
export const stepBase = {
  id: stepIdSchema,
  stage: stageSchema.optional(),
  followUps: z.array(followUpSchema).max(10).optional(),
};

/** Contact fields that count as personal data: asked for only after consent where the flow requires it. */
export const personalDataFields = ["contact.phone", "contact.email"];
