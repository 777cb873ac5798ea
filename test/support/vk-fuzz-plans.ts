import fc from "fast-check";
import { type DeepLink, deepLink, phoneNumber } from "./fixture-flow-inputs.ts";
import { type MalformedPlan, malformedPlans, notJsonBody, ordinaryMessage, type ReadField, unknownFields } from "./hostile-values.ts";

/** Fields laid over an update as they are (fields of a later API version). */
export type Extra = Record<string, unknown>;
/** The legitimate updates that malformed ones are derived from, one field broken each. */
export type EventKind = "message" | "allow";
type Redelivery = "none" | "after" | "racing";

/** What one generated VK Callback API request is; ids are given when it is built. */
export type VkPlan =
  | { type: "counter"; start: "ref" | "typed"; texts: string[]; redelivery: Redelivery; clientInfo: boolean; extra: Extra }
  | { type: "deep-link"; link: DeepLink; clientInfo: boolean; extra: Extra }
  | { type: "start-button" }
  | { type: "consent"; phone: string }
  | { type: "first-text"; text: string; clientInfo: boolean; extra: Extra }
  | MalformedPlan<EventKind>
  | { type: "unanswered"; shape: UnansweredShape }
  | { type: "not-json"; body: string | number[] }
  | { type: "not-an-object"; value: unknown }
  | { type: "forged"; how: "wrong-secret" | "no-secret" | "other-group" }
  | { type: "confirmation" }
  | { type: "too-large" };

/** Events the channel takes without a word: button callbacks it never offers, subscriptions, its own replies, others. */
const unansweredShapes = [
  "message_event",
  "message_allow",
  "message_deny",
  "message_reply",
  "outgoing",
  "from-community",
  "message_typing_state",
  "group_join",
  "future_event",
] as const;
export type UnansweredShape = (typeof unansweredShapes)[number];

/** The fields of an event that the channel and vk-io read when they take it, and their types. */
const readFields: Record<EventKind, ReadField[]> = {
  message: [
    { path: ["type"], type: "string", required: true },
    { path: ["event_id"], type: "string", required: true },
    { path: ["object"], type: "object", required: true },
    { path: ["object", "message"], type: "object", required: true },
    { path: ["object", "message", "id"], type: "integer", required: true },
    { path: ["object", "message", "peer_id"], type: "integer", required: true },
    { path: ["object", "message", "from_id"], type: "integer", required: true },
    { path: ["object", "message", "text"], type: "string", required: true },
    { path: ["object", "message", "payload"], type: "json-string", required: false },
    { path: ["object", "message", "ref"], type: "string", required: false },
    { path: ["object", "message", "attachments"], type: "array", required: false },
    { path: ["object", "message", "attachments", 0], type: "object", required: false },
    { path: ["object", "message", "fwd_messages"], type: "array", required: false },
    { path: ["object", "message", "fwd_messages", 0], type: "object", required: false },
    { path: ["object", "message", "fwd_messages", 0, "payload"], type: "json-string", required: false },
    { path: ["object", "message", "reply_message"], type: "object", required: false },
    { path: ["object", "message", "reply_message", "payload"], type: "json-string", required: false },
  ],
  allow: [{ path: ["object", "user_id"], type: "integer", required: true }],
};

const malformed: fc.Arbitrary<VkPlan> = malformedPlans(readFields);

const redelivery = fc.constantFrom<Redelivery>("none", "after", "racing");

/** VK Callback API requests: people's conversations, malformed and forged events, raw garbage. */
export const vkPlans: fc.Arbitrary<VkPlan> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("counter" as const),
      start: fc.constantFrom("ref" as const, "typed" as const),
      texts: fc.array(ordinaryMessage, { minLength: 1, maxLength: 2 }),
      redelivery,
      clientInfo: fc.boolean(),
      extra: unknownFields,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant("deep-link" as const), link: deepLink, clientInfo: fc.boolean(), extra: unknownFields }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "start-button" as const }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("consent" as const), phone: phoneNumber }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("first-text" as const),
      text: ordinaryMessage,
      clientInfo: fc.boolean(),
      extra: unknownFields,
    }),
  },
  { weight: 24, arbitrary: malformed },
  { weight: 3, arbitrary: fc.record({ type: fc.constant("unanswered" as const), shape: fc.constantFrom(...unansweredShapes) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("not-json" as const), body: notJsonBody }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("not-an-object" as const),
      value: fc.constantFrom(null, [], [{ type: "message_new" }], 42, "ok", true),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("forged" as const),
      how: fc.constantFrom("wrong-secret" as const, "no-secret" as const, "other-group" as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "confirmation" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "too-large" as const }) },
);
