import { z } from "zod";
import { channelNames } from "../model/channel-name.ts";
import { intentNames } from "../model/intent-name.ts";
import { mediaKinds } from "../model/shared-file.ts";
import { stageNames } from "../model/stage.ts";

/**
 * Every event type the system writes to the append-only event log, with its payload schema.
 * Writers (engine, store, services) and readers (reports, the console, triggers) share it, so
 * an event nobody declared cannot be written and a reader knows each payload's shape.
 *
 * A payload changes by adding an optional field, or by a new version: `version` is stored with
 * each row, and a reader parses old rows with the schema of their version (`eventSchemaOf`).
 */
const stage = z.enum(stageNames).nullable();
const channel = z.enum(channelNames);
/** What started a handoff: a flow's handoff step, the knowledge base's «talk to a person», a word the customer typed, or staff writing first. */
const handoffVia = z.enum(["step", "faq", "keyword", "staff"]);
/** What every order event says: which order, how much (minor units) in what, through whom. */
const orderFacts = z.strictObject({
  orderId: z.string(),
  stepId: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  provider: z.string(),
});

const payloads = {
  message_in: z.strictObject({
    key: z.string(),
    channel,
    text: z.string().optional(),
    type: z.enum(["start", "button", "media"]).optional(),
    /** A photo, document, voice message … (with `text`, its caption). */
    kind: z.enum(mediaKinds).optional(),
    payload: z.string().optional(),
    flowId: z.string().optional(),
    label: z.string().optional(),
  }),
  message_out: z.strictObject({ text: z.string(), buttons: z.array(z.string()).optional(), file: z.string().optional() }),
  conversation_started: z.strictObject({ version: z.string() }),
  conversation_ended: z.strictObject({ reason: z.enum(["finished", "switched", "handed_back"]), to: z.string().optional() }),
  step_entered: z.strictObject({ stepId: z.string(), visit: z.number().int() }),
  stage_changed: z.strictObject({ from: stage, to: z.enum(stageNames), stepId: z.string() }),
  field_set: z.strictObject({ field: z.string(), value: z.unknown() }),
  tag_added: z.strictObject({ tag: z.string() }),
  tag_removed: z.strictObject({ tag: z.string() }),
  answer_invalid: z.strictObject({ stepId: z.string(), attempts: z.number().int() }),
  button_stale: z.strictObject({ payload: z.string() }),
  opted_out: z.strictObject({}),
  opted_in: z.strictObject({}),
  followup_fired: z.strictObject({ visit: z.number().int(), stepId: z.string(), index: z.number().int() }),
  followup_skipped: z.strictObject({
    visit: z.number().int(),
    stepId: z.string(),
    index: z.number().int(),
    reason: z.enum([
      "not_in_flow",
      "moved_on",
      "opted_out",
      "no_consent",
      "unless",
      "goal_reached",
      "capped",
      "outside_vk_window",
      "date_passed",
      "bad_date",
    ]),
  }),
  /** A follow-up due inside quiet hours when it fired (late, after an outage): due again at their end. */
  followup_postponed: z.strictObject({
    visit: z.number().int(),
    stepId: z.string(),
    index: z.number().int(),
    until: z.string(),
    reason: z.enum(["quiet_hours", "cap", "date_changed", "every_year"]),
  }),
  flow_error: z.strictObject({
    reason: z.enum(["unknown_step", "too_many_steps_without_waiting", "condition_failed", "magnet_requirements_missing", "bad_time_zone"]),
    stepId: z.string().nullable().optional(),
    condition: z.string().optional(),
    message: z.string().optional(),
    missing: z.array(z.string()).optional(),
  }),
  flow_migrated: z.strictObject({ from: z.string(), to: z.string(), step: z.string() }),
  source_recorded: z.strictObject({ source: z.string(), first: z.string() }),
  lead: z.strictObject({
    magnet: z.string(),
    kind: z.enum(["file", "link", "promo"]),
    stage,
    first_source: z.string().nullable(),
    last_source: z.string().nullable(),
  }),
  consent_given: z.strictObject({ version: z.string(), text_sha256: z.string(), channel, at: z.string() }),
  consent_declined: z.strictObject({ version: z.string() }),
  consent_withdrawn: z.strictObject({ version: z.string(), channel }),
  faq_answered: z.strictObject({
    entry: z.string(),
    confidence: z.number(),
    via: z.enum(["match", "suggestion"]),
    question: z.string().optional(),
  }),
  faq_suggested: z.strictObject({ question: z.string(), entries: z.array(z.string()) }),
  faq_unanswered: z.strictObject({ question: z.string(), step: z.string().nullable() }),
  /** A person asked for; without a support desk the request is only stored (older rows carry nothing). */
  /** A request in the customer's own words (a person, unsubscribe, erase my data, start over). */
  intent_recognised: z.strictObject({ intent: z.enum(intentNames) }),
  handoff_requested: z.strictObject({ reason: z.string().optional(), via: handoffVia.optional() }),
  handoff_started: z.strictObject({ reason: z.string(), via: handoffVia, stepId: z.string().optional() }),
  handoff_ended: z.strictObject({
    by: z.enum(["staff", "timeout"]),
    staffId: z.string().optional(),
    staffName: z.string().optional(),
    resumeStepId: z.string().optional(),
  }),
  /** What a staff member wrote to the customer from the support topic. */
  staff_message: z.strictObject({ staffId: z.string(), staffName: z.string(), text: z.string(), file: z.boolean().optional() }),
  /** An internal note in the topic (`//` or /note): never sent to the customer. */
  staff_note: z.strictObject({ staffId: z.string(), staffName: z.string(), text: z.string() }),
  /** A command staff gave in the customer's topic (/close, /resume, /info, /tag, /stop_followups, or one we do not know). */
  staff_command: z.strictObject({ staffId: z.string(), staffName: z.string(), command: z.string(), argument: z.string().optional() }),
  /** A handoff outside SUPPORT_HOURS: the customer was told when support opens. */
  support_out_of_hours: z.strictObject({ opensAt: z.string() }),
  /** Nobody answered in the topic for SUPPORT_REMIND_AFTER: the team was reminded there. */
  support_reminder_sent: z.strictObject({ waitingSince: z.string() }),
  followup_held: z.strictObject({ visit: z.number().int(), stepId: z.string(), index: z.number().int() }),
  promo_issued: z.strictObject({ pool: z.string(), code: z.string() }),
  order_created: orderFacts,
  order_reused: z.strictObject({ orderId: z.string(), stepId: z.string() }),
  order_paid: orderFacts,
  order_canceled: orderFacts.extend({ reason: z.string().optional() }),
  order_expired: orderFacts,
  order_refunded: orderFacts.extend({ refund_id: z.string(), refunded: z.number().int(), total_refunded: z.number().int() }),
  payment_failed: z.strictObject({
    stepId: z.string(),
    reason: z.enum(["bad_amount", "provider_error", "no_provider"]),
    message: z.string().optional(),
  }),
  promo_pool_exhausted: z.strictObject({ pool: z.string() }),
  /** A survey step asked its score question. */
  survey_sent: z.strictObject({ surveyId: z.string(), stepId: z.string() }),
  /** A part of a survey answered: the score (with its group), the reason chosen, or the comment (empty when skipped). */
  survey_answered: z.strictObject({
    surveyId: z.string(),
    stepId: z.string(),
    part: z.enum(["score", "reason", "comment"]),
    score: z.number().int().optional(),
    group: z.enum(["promoter", "passive", "detractor"]).optional(),
    choice: z.string().optional(),
    comment: z.string().optional(),
  }),
  /** A survey not asked: the contact was asked it (in any flow) within its `once` period. */
  survey_skipped: z.strictObject({ surveyId: z.string(), stepId: z.string(), lastSentAt: z.string() }),
  /** A review request was sent with these links. */
  review_requested: z.strictObject({ stepId: z.string(), surveyId: z.string().optional(), links: z.array(z.string()) }),
  /** The flow's exit goal holds: its marketing follow-ups stop; `afterSeconds` since the conversation began. */
  goal_reached: z.strictObject({ goal: z.string(), afterSeconds: z.number().int().optional() }),
  /**
   * A marketing message nobody asked for went out (a win-back, a marketing trigger): counted
   * against the frequency cap with the marketing follow-ups fired.
   */
  marketing_sent: z.strictObject({ via: z.enum(["winback", "event", "every_year"]) }),
  /** A contact silent for as long as the flow's `inactive:` trigger says entered it (win-back). */
  winback_entered: z.strictObject({ silentSeconds: z.number().int() }),
  /** An event from another system (POST /api/events) and what it did: the flow it started, or why none. */
  external_event: z.strictObject({
    id: z.string(),
    type: z.string(),
    outcome: z.enum(["started", "no_flow", "opted_out", "handed_off", "outside_vk_window"]),
    flowId: z.string().optional(),
    marketing: z.boolean().optional(),
  }),
  /** The contact opened a review link (through /r/<id>). */
  review_link_clicked: z.strictObject({ linkId: z.string(), label: z.string(), surveyId: z.string().optional() }),
  channel_blocked: z.strictObject({ channel, externalId: z.string() }),
  /** The person's data was erased at their request: what remains of them is anonymous. */
  contact_erased: z.strictObject({}),
  channel_unblocked: z.strictObject({ channel, externalId: z.string() }),
  contacts_merged: z.strictObject({
    from: z.string(),
    reason: z.enum(["phone", "email", "link_code"]),
    droppedConversations: z.array(z.string()),
  }),
} as const;

export type EventType = keyof typeof payloads;
export type EventData<T extends EventType> = z.infer<(typeof payloads)[T]>;

/** The payload version written today, per type (all 1 so far). */
export const currentEventVersion = 1;

/** An event as writers produce it; the store adds contact, conversation and time. */
export type DomainEvent = { [T in EventType]: { type: T; flowId?: string; data: EventData<T> } }[EventType];

export const eventTypes = Object.keys(payloads) as EventType[];

/** The payload schema of `type` at `version`, or undefined for a type or version the catalog does not know. */
export function eventSchemaOf(type: string, version: number = currentEventVersion): z.ZodType | undefined {
  if (version !== currentEventVersion || !Object.hasOwn(payloads, type)) return undefined;
  return payloads[type as EventType];
}

/**
 * Checks an event before it is written: the type must be in the catalog and the payload must
 * match its schema. Throws (a bug in the writer, never the customer's input) otherwise.
 */
export function checkedEvent<T extends { type: string; data: unknown }>(event: T): T {
  const schema = eventSchemaOf(event.type);
  if (!schema) throw new Error(`event type "${event.type}" is not in the event catalog (core/events/event-catalog.ts)`);
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) {
    throw new Error(`event "${event.type}" does not match its catalog schema: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  }
  return event;
}

/**
 * An event row read back, typed by the catalog; rows of unknown types or versions, or whose
 * payload does not fit, are left out by readers. Keys a payload has beyond its schema (written
 * before the catalog existed) are dropped rather than refused.
 */
export function parseEvent(row: { type: string; version?: number; data: unknown }): DomainEvent | undefined {
  const schema = eventSchemaOf(row.type, row.version ?? currentEventVersion) as z.ZodObject | undefined;
  const parsed = schema?.strip().safeParse(row.data);
  return parsed?.success ? ({ type: row.type, data: parsed.data } as DomainEvent) : undefined;
}
