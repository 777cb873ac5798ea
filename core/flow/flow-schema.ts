import { z } from "zod";
import type { QuietHours } from "../engine/quiet-hours.ts";
import { type FaqEntry, faqEntrySchema } from "../faq/faq-schema.ts";

/**
 * The flow file format. These zod schemas are the single source of truth: the loader
 * validates with them and `schema/flow.schema.json` (editor autocompletion) is generated
 * from them by `npm run schema`.
 */

export const stageNames = ["awareness", "evaluation", "deal", "loyalty"] as const;
export const stageSchema = z.enum(stageNames).describe("Customer-journey stage of the step");

const idPattern = /^[a-z0-9][a-z0-9_-]*$/;
export const stepIdSchema = z
  .string()
  .regex(idPattern, "ids use lower-case latin letters, digits, '_' and '-'")
  .max(40)
  .describe("Stable step id, referenced by goto");

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
  .describe("contact.<field> or vars.<name>");

export const buttonSchema = z.union([
  z.strictObject({ text: z.string().min(1).max(40), goto: stepIdSchema }).describe("Button that moves to a step"),
  z.strictObject({ text: z.string().min(1).max(40), url: z.url({ protocol: /^https?$/ }) }).describe("Button that opens a link"),
]);

export const followUpSchema = z
  .strictObject({
    after: durationSchema,
    say: templateSchema.optional(),
    goto: stepIdSchema.optional(),
    unless: conditionSchema.optional().describe("Skip the follow-up when this condition is true at send time"),
    marketing: z
      .boolean()
      .optional()
      .describe("false for a service reminder; marketing follow-ups (the default) need the contact's consent where the flow requires it"),
  })
  .refine((f) => f.say !== undefined || f.goto !== undefined, { message: "a follow-up needs `say`, `goto` or both" })
  .describe("Sent after a delay if the contact is still at this step");

const stepBase = {
  id: stepIdSchema,
  stage: stageSchema.optional(),
  followUps: z.array(followUpSchema).max(10).optional(),
};

export const messageStepSchema = z
  .strictObject({
    ...stepBase,
    say: templateSchema,
    file: z
      .string()
      .min(1)
      .optional()
      .describe("A file sent with the message, as a document (path relative to the flow file); `say` becomes its caption"),
    buttons: z.array(buttonSchema).max(40).optional(),
    goto: stepIdSchema.optional().describe("Next step when the message has no goto buttons (default: the next step in the list)"),
  })
  .describe("Send a message, optionally with buttons");

export const askTypes = ["text", "number", "email", "phone", "choice"] as const;

export const askStepSchema = z
  .strictObject({
    ...stepBase,
    ask: z
      .strictObject({
        type: z.enum(askTypes),
        text: templateSchema.describe("The question"),
        save: fieldPathSchema,
        options: z.array(z.string().min(1).max(40)).min(1).max(40).optional().describe("Choices (type: choice)"),
        min: z.number().optional().describe("Smallest number (type: number) or shortest text (type: text)"),
        max: z.number().optional().describe("Largest number (type: number) or longest text (type: text)"),
        retry: templateSchema.optional().describe("Said when the answer is not valid"),
      })
      .refine((a) => a.type !== "choice" || (a.options?.length ?? 0) > 0, {
        message: "a choice question needs `options`",
        path: ["options"],
      }),
    goto: stepIdSchema.optional().describe("Next step after a valid answer (default: the next step in the list)"),
  })
  .describe("Ask a question and save the validated answer");

export const branchStepSchema = z
  .strictObject({
    ...stepBase,
    branches: z.array(z.strictObject({ when: conditionSchema, goto: stepIdSchema })).min(1),
    else: stepIdSchema.optional().describe("Step when no condition holds (default: the next step in the list)"),
  })
  .describe("Go to the first branch whose condition holds");

export const setStepSchema = z
  .strictObject({
    ...stepBase,
    set: z
      .record(fieldPathSchema, z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .describe("Values to store; strings are Liquid templates"),
    goto: stepIdSchema.optional(),
  })
  .describe("Set contact fields or variables");

export const tagStepSchema = z
  .strictObject({
    ...stepBase,
    tag: z.strictObject({
      add: z.array(z.string().min(1)).optional(),
      remove: z.array(z.string().min(1)).optional(),
    }),
    goto: stepIdSchema.optional(),
  })
  .describe("Add or remove contact tags");

export const magnetStepSchema = z
  .strictObject({
    ...stepBase,
    magnet: z
      .strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]*$/)
          .max(40)
          .describe("Name of the lead magnet in lead events and reports"),
        requires: z
          .array(fieldPathSchema)
          .optional()
          .describe("Fields that must be captured first; the flow is checked so that every way here asks for them"),
        say: templateSchema.describe("The message; with a promo code, {{ magnet.code }} inserts it"),
        file: z.string().min(1).optional().describe("A file to send (path relative to the flow file)"),
        link: z
          .url({ protocol: /^https?$/ })
          .optional()
          .describe("A link, shown as a button"),
        button: z.string().min(1).max(40).optional().describe("The link button's text (default «Открыть»)"),
        promo: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]*$/)
          .max(40)
          .optional()
          .describe("Pool of unique promo codes (load codes with `orkestr promo import`); each contact gets one"),
        fallback: templateSchema.optional().describe("Said instead when the promo pool is empty"),
      })
      .refine((m) => [m.file, m.link, m.promo].filter(Boolean).length === 1, {
        message: "a magnet delivers exactly one of `file`, `link` or `promo`",
      })
      .refine((m) => !m.promo || m.fallback, {
        message: "a promo magnet needs a `fallback` for when the codes run out",
        path: ["fallback"],
      }),
    goto: stepIdSchema.optional(),
  })
  .describe("Deliver a lead magnet (file, link or unique promo code) and record the lead");

export const consentStepSchema = z
  .strictObject({
    ...stepBase,
    consent: z.strictObject({
      version: z.string().min(1).max(40).describe("Version of the consent text; a new version is asked again"),
      text: templateSchema.describe("The consent text (with a link to the privacy policy)"),
      accept: z.string().min(1).max(40).optional().describe("Button that gives consent (default «Согласен»)"),
      decline: z.string().min(1).max(40).optional().describe("Button that declines (default «Не согласен»)"),
    }),
    goto: stepIdSchema.optional().describe("Next step once consent is given (default: the next step in the list)"),
    declined: stepIdSchema.optional().describe("Step when consent is declined (default: the conversation ends)"),
  })
  .describe("Ask for consent to process personal data (152-FZ, GDPR); skipped when this version was already given");

export const gotoStepSchema = z.strictObject({ ...stepBase, goto: stepIdSchema }).describe("Jump to another step");

export const endStepSchema = z
  .strictObject({
    ...stepBase,
    end: z.union([z.literal(true), templateSchema]).describe("true, or a last message"),
  })
  .describe("End the conversation");

/**
 * Step kinds are told apart by their main key (`say`, `ask`, ...), which reads naturally in
 * YAML; the loader picks the schema by that key so errors name the right kind.
 */
export const stepSchemas = {
  ask: askStepSchema,
  consent: consentStepSchema,
  branch: branchStepSchema,
  set: setStepSchema,
  tag: tagStepSchema,
  end: endStepSchema,
  magnet: magnetStepSchema,
  message: messageStepSchema,
  goto: gotoStepSchema,
} as const;

export type StepKind = keyof typeof stepSchemas;

/** The key that identifies each kind, in the order the loader checks them. */
export const stepKindKeys: ReadonlyArray<readonly [string, StepKind]> = [
  ["ask", "ask"],
  ["consent", "consent"],
  ["branches", "branch"],
  ["set", "set"],
  ["tag", "tag"],
  ["end", "end"],
  ["magnet", "magnet"],
  ["say", "message"],
  ["goto", "goto"],
];

export type Step =
  | ({ kind: "message" } & z.infer<typeof messageStepSchema>)
  | ({ kind: "ask" } & z.infer<typeof askStepSchema>)
  | ({ kind: "branch" } & z.infer<typeof branchStepSchema>)
  | ({ kind: "set" } & z.infer<typeof setStepSchema>)
  | ({ kind: "tag" } & z.infer<typeof tagStepSchema>)
  | ({ kind: "goto" } & z.infer<typeof gotoStepSchema>)
  | ({ kind: "end" } & z.infer<typeof endStepSchema>)
  | ({ kind: "magnet" } & z.infer<typeof magnetStepSchema>)
  | ({ kind: "consent" } & z.infer<typeof consentStepSchema>);

export type FollowUpDefinition = z.infer<typeof followUpSchema>;
export type Button = z.infer<typeof buttonSchema>;
export type AskType = (typeof askTypes)[number];
export type Stage = (typeof stageNames)[number];

export const triggerSchema = z.union([
  z.strictObject({
    start: z
      .string()
      .regex(/^(?!.*__)[A-Za-z0-9_-]{1,40}$/, "latin letters, digits, '_' and '-', at most 40, no '__' (it separates a source tag)")
      .describe("Deep-link payload: t.me/<bot>?start=X, vk.me/<club>?ref=X; X__<source> enters too and records the source"),
  }),
  z.strictObject({ keywords: z.array(z.string().min(1)).min(1).describe("Messages that start this flow") }),
]);

/** The flow file: steps are validated one by one (see the loader), hence `unknown` here. */
export const flowHeaderSchema = z.strictObject({
  $schema: z.string().optional(),
  id: stepIdSchema.describe("Flow id, unique across flows/"),
  title: z.string().min(1),
  default: z.boolean().optional().describe("Entered when no trigger matches (one flow may be the default)"),
  triggers: z.array(triggerSchema).optional(),
  settings: z
    .strictObject({
      quietHours: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, "write quiet hours like 22:00-09:00")
        .optional()
        .describe("No follow-ups in this window; one due inside it is sent when it ends"),
      timezone: z.string().optional().describe("IANA time zone of quietHours (default Europe/Moscow)"),
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
  steps: z.array(z.union(Object.values(stepSchemas))).min(1),
});

/** A file a flow sends, resolved and checked when the flow is loaded. */
export interface FileAttachment {
  /** Absolute path on this machine. */
  path: string;
  /** File name shown to the person. */
  name: string;
  /** Content hash: the key under which platforms' upload ids are remembered. */
  sha256: string;
  size: number;
}

export interface Flow {
  id: string;
  title: string;
  isDefault: boolean;
  triggers: Trigger[];
  steps: Step[];
  /** Knowledge-base entries of this flow (the global ones are in FlowCatalog). */
  faq: FaqEntry[];
  /** Personal data only after consent, marketing follow-ups only with consent. */
  requiresConsent: boolean;
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
