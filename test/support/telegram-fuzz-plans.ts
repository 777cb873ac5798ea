import fc from "fast-check";
import { type DeepLink, deepLink, phoneNumber } from "./fixture-flow-inputs.ts";
import { type MalformedPlan, malformedPlans, notJsonBody, ordinaryMessage, type ReadField, unknownFields } from "./hostile-values.ts";

/** Fields laid over an update as they are (fields of a later API version). */
export type Extra = Record<string, unknown>;
/** The legitimate updates that malformed ones are derived from, one field broken each. */
export type UpdateKind = "text" | "start" | "press" | "contact" | "member";

/** What one generated Telegram webhook request is; ids are given when it is built, so none repeats by chance. */
export type TelegramPlan =
  | { type: "counter"; name: string; texts: string[]; redelivery: "none" | "after" | "racing"; extra: Extra }
  | { type: "deep-link"; name: string; link: DeepLink; mention: boolean; extra: Extra }
  | { type: "consent"; name: string; phone: string; shared: boolean }
  | { type: "first-text"; name: string; text: string; extra: Extra }
  | MalformedPlan<UpdateKind>
  | { type: "unanswered"; shape: "group" | "channel-post" | "edited" | "sticker" | "poll" | "kicked" }
  | { type: "not-json"; body: string | number[] }
  | { type: "forged"; secret: "missing" | "empty" | "longer" | "shorter" | "changed" | "upper-case"; garbage: boolean }
  | { type: "too-large" };

/** First names as Telegram sends them. The default flow greets by name, HTML-escaped: none of these has a character to escape. */
const names = ["Анна", "Ivan", "李雷", "Zoë", "🦊 Лиса", "Ṁ̷ä̶r̵i̸a̴"];

/** The fields of each kind of update that the channel reads, and what type they must have. */
const readFields: Record<UpdateKind, ReadField[]> = {
  text: [
    { path: ["update_id"], type: "integer", required: true },
    { path: ["message"], type: "object", required: false },
    { path: ["message", "chat"], type: "object", required: true },
    { path: ["message", "chat", "id"], type: "integer", required: true },
    { path: ["message", "chat", "type"], type: "string", required: true },
    { path: ["message", "from"], type: "object", required: false },
    { path: ["message", "from", "id"], type: "integer", required: true },
    { path: ["message", "from", "first_name"], type: "string", required: false },
    { path: ["message", "text"], type: "string", required: false },
  ],
  start: [
    { path: ["message", "text"], type: "string", required: false },
    { path: ["message", "chat", "id"], type: "integer", required: true },
  ],
  press: [
    { path: ["callback_query"], type: "object", required: false },
    { path: ["callback_query", "id"], type: "string", required: true },
    { path: ["callback_query", "from"], type: "object", required: true },
    { path: ["callback_query", "from", "id"], type: "integer", required: true },
    { path: ["callback_query", "data"], type: "string", required: false },
    { path: ["callback_query", "message"], type: "object", required: false },
    { path: ["callback_query", "message", "chat"], type: "object", required: true },
    { path: ["callback_query", "message", "chat", "id"], type: "integer", required: true },
    { path: ["callback_query", "message", "reply_markup"], type: "object", required: false },
    { path: ["callback_query", "message", "reply_markup", "inline_keyboard"], type: "array", required: true },
    { path: ["callback_query", "message", "reply_markup", "inline_keyboard", 0], type: "array", required: false },
    { path: ["callback_query", "message", "reply_markup", "inline_keyboard", 0, 0], type: "object", required: false },
    { path: ["callback_query", "message", "reply_markup", "inline_keyboard", 0, 0, "text"], type: "string", required: true },
  ],
  contact: [
    { path: ["message", "contact"], type: "object", required: false },
    { path: ["message", "contact", "phone_number"], type: "string", required: true },
  ],
  member: [
    { path: ["my_chat_member", "chat"], type: "object", required: true },
    { path: ["my_chat_member", "chat", "id"], type: "integer", required: true },
    { path: ["my_chat_member", "new_chat_member"], type: "object", required: true },
    { path: ["my_chat_member", "new_chat_member", "status"], type: "string", required: true },
  ],
};

const malformed: fc.Arbitrary<TelegramPlan> = malformedPlans(readFields);

/** Not an update at all: null, a list, a number, a string. */
const notAnUpdate: fc.Arbitrary<TelegramPlan> = fc.record({
  type: fc.constant("malformed" as const),
  base: fc.constant("text" as const),
  path: fc.constant<Array<string | number>>([]),
  value: fc.constantFrom(null, [], [{ update_id: 1 }], 42, "update", true),
  extra: fc.constant({}),
});

const name = fc.constantFrom(...names);

/** Telegram webhook requests: people's conversations, malformed and forged updates, raw garbage. */
export const telegramPlans: fc.Arbitrary<TelegramPlan> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("counter" as const),
      name,
      texts: fc.array(ordinaryMessage, { minLength: 1, maxLength: 2 }),
      redelivery: fc.constantFrom("none" as const, "after" as const, "racing" as const),
      extra: unknownFields,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant("deep-link" as const), name, link: deepLink, mention: fc.boolean(), extra: unknownFields }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("consent" as const), name, phone: phoneNumber, shared: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("first-text" as const), name, text: ordinaryMessage, extra: unknownFields }) },
  { weight: 24, arbitrary: malformed },
  { weight: 2, arbitrary: notAnUpdate },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("unanswered" as const),
      shape: fc.constantFrom(
        "group" as const,
        "channel-post" as const,
        "edited" as const,
        "sticker" as const,
        "poll" as const,
        "kicked" as const,
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("not-json" as const), body: notJsonBody }) },
  { weight: 1, arbitrary: fc.constant({ type: "too-large" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("forged" as const),
      secret: fc.constantFrom(
        "missing" as const,
        "empty" as const,
        "longer" as const,
        "shorter" as const,
        "changed" as const,
        "upper-case" as const,
      ),
      garbage: fc.boolean(),
    }),
  },
);
