import { z } from "zod";
import { durationSchema, stageSchema } from "../flow/step-fields.ts";
import { channelNames } from "../model/channel-name.ts";

/**
 * Transcript test files: conversations written as turns, replayed on the engine with a virtual
 * clock. A message expectation is a substring, or a regular expression written as `/…/flags`.
 */
const textExpectation = z.string().min(1).describe('Part of the text, or a regular expression such as "/^Привет/i"');

/** Built-in and custom contact fields the person starts with (Telegram gives first_name, username; `timezone` sets their zone). */
const contactSchema = z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.string()).describe("Contact fields before the first turn");

export const turnSchema = z.union([
  z.strictObject({ start: z.union([z.literal(true), z.string().min(1)]).describe("/start, or a deep-link payload") }),
  z.strictObject({ say: z.string().min(1).describe("The person writes this") }),
  z.strictObject({ press: z.string().min(1).describe("The person presses the button with this label") }),
  z.strictObject({ wait: durationSchema.describe("Move the clock on; due follow-ups are sent") }),
  z.strictObject({
    pay: z
      .enum(["paid", "canceled", "expired"])
      .describe("The provider reports the latest pending order: paid, canceled, or expired unpaid (as its notification would)"),
  }),
  z
    .strictObject({
      bot: textExpectation.describe("The bot's next message contains this text (or matches /regex/)"),
      buttons: z.array(z.string()).optional().describe("Exactly these button labels, in order"),
      file: z.string().optional().describe("The message carries a file with this name"),
    })
    .describe("The bot's next message"),
  z.strictObject({ silent: z.literal(true).describe("The bot has said nothing more since the last expectation") }),
  z
    .strictObject({
      expect: z
        .strictObject({
          stage: stageSchema.nullable().optional(),
          step: z.string().nullable().optional().describe("Current step id (null once the conversation ended)"),
          tags: z.array(z.string()).optional().describe("Tags the contact has (others may exist)"),
          no_tags: z.array(z.string()).optional().describe("Tags the contact must not have"),
          fields: z.record(z.string(), z.unknown()).optional().describe("Contact fields with these values (null: not set)"),
          vars: z.record(z.string(), z.unknown()).optional().describe("Flow variables with these values"),
        })
        .describe("State of the contact and conversation"),
    })
    .describe("Check state"),
]);

/** When the conversation starts, for quiet hours and caps: an ISO date-time with its offset. */
const startSchema = z.iso
  .datetime({ offset: true })
  .describe("When the conversation starts, e.g. 2026-03-02T23:30:00+03:00 (default 2026-01-05T10:00:00Z, a Monday)");

export const transcriptSchema = z.strictObject({
  name: z.string().min(1),
  at: startSchema.optional(),
  contact: contactSchema.optional(),
  turns: z.array(turnSchema).min(1),
});

export const transcriptFileSchema = z.strictObject({
  $schema: z.string().optional(),
  flow: z.string().min(1).describe("Id of the flow under test"),
  channel: z.enum(channelNames).optional().describe("Channel the person uses (default web)"),
  at: startSchema.optional(),
  contact: contactSchema.optional(),
  transcripts: z.array(transcriptSchema).min(1),
});

export type Turn = z.infer<typeof turnSchema>;
export type TranscriptFile = z.infer<typeof transcriptFileSchema>;
