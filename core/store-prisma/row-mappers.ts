import { z } from "zod";
import { stageSchema } from "../flow/step-fields.ts";
import type { ContactView } from "../model/contact-view.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import { minorUnitsPer, orderStatuses } from "../model/order.ts";
import type { Contact, Conversation } from "./generated/client.ts";

/** The engine's part of Conversation.state, versioned and parsed on read. */
const conversationStateJson = z.object({
  v: z.literal(1).default(1),
  event: z
    .object({ id: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()), occurred_at: z.string() })
    .optional()
    .catch(undefined),
  startedAt: z.string().optional().catch(undefined),
  goalReachedAt: z.string().optional().catch(undefined),
  repeatedAfterFaq: z.number().int().optional().catch(undefined),
  vars: z.record(z.string(), z.unknown()).default({}),
  attempts: z.number().int().default(0),
  answer: z.unknown().optional(),
  order: z
    .object({
      id: z.string(),
      stepId: z.string(),
      status: z.enum(orderStatuses),
      paid: z.boolean(),
      title: z.string(),
      amount: z.number(),
      currency: z.string(),
      url: z.string().nullable(),
      test: z.boolean().optional(),
    })
    .optional()
    .catch(undefined),
});

const stageJson = stageSchema.nullable().catch(null);
/** Contact.totalSpent: minor units by currency. */
const spentJson = z.record(z.string(), z.coerce.number()).catch({});
/** Contact.fields: the flow's own contact fields, any JSON value each. */
const contactFieldsJson = z.record(z.string(), z.unknown()).catch({});
/** Contact.surveysSentAt: survey id → when it was last put to the contact (ISO). */
const surveysSentJson = z.record(z.string(), z.string()).catch({});

/** Database rows to the engine's views. */
export function toContactView(row: Contact): ContactView {
  return {
    id: row.id,
    first_name: row.firstName,
    last_name: row.lastName,
    username: row.username,
    phone: row.phone,
    email: row.email,
    timezone: row.timezone,
    first_source: row.firstSource,
    last_source: row.lastSource,
    consent:
      row.consentVersion && row.consentAt
        ? { version: row.consentVersion, at: row.consentAt.toISOString(), channel: row.consentChannel ?? "" }
        : null,
    fields: contactFieldsJson.parse(row.fields ?? {}),
    tags: row.tags,
    optedOut: row.optedOut,
    orders_count: row.ordersCount ?? 0,
    total_spent: Object.fromEntries(
      Object.entries(spentJson.parse(row.totalSpent ?? {})).map(([currency, minor]) => [currency, minor / minorUnitsPer(currency)]),
    ),
    first_order_at: row.firstOrderAt?.toISOString() ?? null,
    last_order_at: row.lastOrderAt?.toISOString() ?? null,
    handed_off_at: row.handedOffAt?.toISOString() ?? null,
    surveys_sent: surveysSentJson.parse(row.surveysSentAt ?? {}),
  };
}

export function toConversationState(row: Conversation): ConversationState {
  const state = conversationStateJson.parse(row.state ?? {});
  return {
    flowId: row.flowId,
    flowVersion: row.flowVersion,
    stepId: row.stepId,
    visit: row.visit,
    stage: stageJson.parse(row.stage),
    status: row.status === "ended" ? "ended" : "active",
    vars: state.vars,
    attempts: state.attempts,
    ...(state.answer !== undefined && state.answer !== null ? { answer: state.answer } : {}),
    ...(state.order ? { order: state.order } : {}),
    ...(state.event ? { event: state.event } : {}),
    ...(state.startedAt ? { startedAt: state.startedAt } : {}),
    ...(state.goalReachedAt ? { goalReachedAt: state.goalReachedAt } : {}),
    ...(state.repeatedAfterFaq !== undefined ? { repeatedAfterFaq: state.repeatedAfterFaq } : {}),
  };
}
