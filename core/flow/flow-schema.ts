import parseDuration from "parse-duration";
import { z } from "zod";
import { type FaqEntry, faqEntrySchema } from "../faq/faq-schema.ts";
import { eventTypePattern } from "../model/external-event.ts";
import type { FileAttachment } from "../model/outbound-message.ts";
import { type EngineTextLanguage, type EngineTexts, engineTextKeys, engineTextLanguages } from "../texts/engine-texts.ts";
import type { QuietHours } from "./quiet-hours.ts";
import { conditionSchema, durationSchema, stepIdSchema } from "./step-fields.ts";
import { type Step, stepKinds } from "./step-kinds.ts";

/**
 * The flow file format. These zod schemas are the single source of truth: the loader
 * validates with them and `schema/flow.schema.json` (editor autocompletion) is generated
 * from them by `npm run schema`. Step schemas come from the step kinds' registry.
 */

/** The engine's own texts a flow (or the installation's texts.yaml) can override, each optional. */
export const textOverridesSchema = z
  .strictObject(
    Object.fromEntries(engineTextKeys.map((key) => [key, z.string().min(1).optional()])) as Record<
      keyof EngineTexts,
      z.ZodOptional<z.ZodString>
    >,
  )
  .describe("The bot's own phrases (opt-out, retries, stale buttons, FAQ …) in your words");
export const languageSchema = z.enum(engineTextLanguages).describe("Language of the bot's own phrases (default ru)");

export const triggerSchema = z.union([
  z.strictObject({
    start: z
      .string()
      .regex(/^(?!.*__)[A-Za-z0-9_-]{1,40}$/, "latin letters, digits, '_' and '-', at most 40, no '__' (it separates a source tag)")
      .describe("Deep-link payload: t.me/<bot>?start=X, vk.me/<club>?ref=X; X__<source> enters too and records the source"),
  }),
  z.strictObject({ keywords: z.array(z.string().min(1)).min(1).describe("Messages that start this flow") }),
  z.strictObject({
    event: z
      .string()
      .regex(eventTypePattern, "lower-case latin letters, digits, '_', '.', '-'")
      .describe("An event from another system (POST /api/events) whose contact enters this flow"),
    if: conditionSchema.optional().describe("Only when this holds, e.g. event.data.total > 1000"),
    marketing: z
      .boolean()
      .optional()
      .describe("false for news about the person's own order or booking; marketing (the default) keeps quiet hours and the cap"),
  }),
  z.strictObject({
    inactive: durationSchema
      // The scan runs hourly: a shorter silence could not be told apart.
      .refine((d) => (parseDuration(d) ?? 0) >= 3_600_000, "a win-back waits at least 1h of silence (e.g. 30d)")
      .describe("Win-back: contacts whose last message is this old (30d) enter, once per silence"),
  }),
]);

/** The flow file: steps are validated one by one (see the loader), hence `unknown` here. */
export const flowHeaderSchema = z.strictObject({
  $schema: z.string().optional(),
  id: stepIdSchema.describe("Flow id, unique across flows/"),
  title: z.string().min(1),
  default: z.boolean().optional().describe("Entered when no trigger matches (one flow may be the default)"),
  triggers: z.array(triggerSchema).optional(),
  goal: conditionSchema
    .optional()
    .describe('Exit goal, e.g. contact.orders_count > 0 or "paid" in contact.tags: once it holds, the flow\'s marketing follow-ups stop'),
  language: languageSchema.optional(),
  texts: textOverridesSchema.optional(),
  settings: z
    .strictObject({
      quietHours: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, "write quiet hours like 22:00-09:00")
        .optional()
        .describe("No follow-ups in this window; one due inside it is sent when it ends"),
      timezone: z.string().optional().describe("IANA time zone of quietHours (default Europe/Moscow)"),
      maxMarketingPerDay: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(
          "Marketing follow-ups one contact may get a day across all flows, when this flow sends (overrides MAX_MARKETING_PER_DAY)",
        ),
      maxMarketingPerWeek: z.number().int().min(0).optional().describe("The same per week (overrides MAX_MARKETING_PER_WEEK)"),
      requireConsent: z
        .boolean()
        .optional()
        .describe(
          "Phone and email are asked only after a consent step, and marketing follow-ups need consent (default: on when the flow asks for phone or email)",
        ),
    })
    .optional(),
  faq: z
    .array(faqEntrySchema)
    .optional()
    .describe("Questions this flow answers (besides the knowledge base in faq/): asked mid-flow, answered, and the flow goes on"),
  migrate: z
    .strictObject({
      steps: z
        .record(stepIdSchema, stepIdSchema)
        .optional()
        .describe("Where a step of an older version is now: old id → new id (steps that kept their id need no entry)"),
    })
    .optional()
    .describe(
      "Move conversations in progress to this version on their next message (without it they finish on the version they started on)",
    ),
  steps: z.array(z.unknown()).min(1),
});

export type FlowHeader = z.infer<typeof flowHeaderSchema>;
export type Trigger = z.infer<typeof triggerSchema>;

/** The whole flow file as one schema, for the editor's JSON Schema. */
export const flowFileSchema = flowHeaderSchema.extend({
  steps: z.array(z.union(Object.values(stepKinds).map((kind) => kind.schema))).min(1),
});

export interface Flow {
  id: string;
  title: string;
  isDefault: boolean;
  triggers: Trigger[];
  /** The exit goal: once it holds, the flow's pending marketing follow-ups are cancelled (a conversion). */
  goal?: string | undefined;
  steps: Step[];
  /** Language of the engine's own texts, when the flow chooses one (else the installation's). */
  language?: EngineTextLanguage | undefined;
  /** The engine's own texts this flow says in its own words. */
  texts: Partial<EngineTexts>;
  /** Knowledge-base entries of this flow (the global ones are in FlowCatalog). */
  faq: FaqEntry[];
  /** Personal data only after consent, marketing follow-ups only with consent. */
  requiresConsent: boolean;
  /** The flow's own marketing caps (else the installation's). */
  marketingCaps?: { perDay?: number | undefined; perWeek?: number | undefined } | undefined;
  /** Parsed once at load: no follow-up is planned inside this window. */
  quietHours?: QuietHours | undefined;
  /** Present when conversations of older versions move to this one; maps renamed step ids. */
  migrate?: { steps: Record<string, string> } | undefined;
  /** The file's text, kept so every version can be stored and restored. */
  source: string;
  /** Files of message steps, by the path written in the flow file. */
  files: ReadonlyMap<string, FileAttachment>;
  /** Content hash of the file and the files it sends: a change is a new version. */
  version: string;
  file: string;
}
