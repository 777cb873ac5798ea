import { z } from "zod";

/** Event types as flows name them in `triggers: - event: …`. */
export const eventTypePattern = /^[a-z][a-z0-9_.-]{0,63}$/;

/** A platform's numeric user id, as a number or a string of digits. */
const platformId = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().positive()]).transform(String);

/** Who the event is about: one way to find a contact who wrote to us before. */
export const eventContactSchema = z
  .strictObject({
    phone: z.string().min(5).max(32).optional().describe("In any usual writing; read in DEFAULT_PHONE_REGION without a country code"),
    email: z.email().max(254).optional(),
    telegram_id: platformId.optional().describe("The person's Telegram user id"),
    vk_id: platformId.optional().describe("The person's VK user id"),
    contact_id: z.uuid().optional().describe("Orkestr's own contact id"),
  })
  .refine((c) => Object.values(c).filter((v) => v !== undefined).length === 1, {
    message: "give exactly one of phone, email, telegram_id, vk_id, contact_id",
  })
  .describe("Exactly one way to find the contact");

/**
 * An event from another system (a CRM, a shop, a booking system) for `POST /api/events`: the
 * contact it is about enters the flows that wait for its type. The same schema validates the
 * request and describes it in /api/openapi.json.
 */
export const externalEventSchema = z
  .strictObject({
    id: z.string().min(1).max(128).describe("Your id of the event: posting the same id again does nothing"),
    type: z.string().regex(eventTypePattern, "lower-case latin letters, digits, '_', '.', '-'").describe("e.g. order_delivered"),
    contact: eventContactSchema,
    data: z
      .record(z.string(), z.unknown())
      .refine((data) => JSON.stringify(data).length <= 16_384, { message: "data holds at most 16 KB of JSON" })
      .optional()
      .describe("Anything the flow reads as event.data.<key> (at most 16 KB)"),
    occurred_at: z.iso.datetime({ offset: true }).optional().describe("When it happened (ISO 8601); default: when it arrived"),
  })
  .describe("An event from another system");

export type ExternalEvent = z.infer<typeof externalEventSchema>;

/** How the store finds the contact of an event: a phone in E.164, an email, a platform's id, or our own id. */
export type ContactLookup =
  | { by: "phone" | "email" | "contact_id"; value: string }
  | { by: "identity"; channel: "telegram" | "vk"; externalId: string };
export type EventContact = z.infer<typeof eventContactSchema>;
