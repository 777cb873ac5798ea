import { z } from "zod";

// Field names and types as in VK's JSON schema (../shared/specs/vk): callback_base in
// callback/objects.json, messages_message in messages/objects.json. Only what this channel and
// vk-io rely on is checked; every other field passes through to vk-io untouched, so a field VK
// adds later does not make real events look broken.

const envelope = z.looseObject({
  type: z.string().min(1),
  group_id: z.int().positive(),
  secret: z.string().optional(),
  v: z.string().optional(),
});

type VkCallbackEvent = z.output<typeof envelope>;

/** The one request without an event: VK checks the server and expects the confirmation string back. */
const confirmation = envelope.extend({ type: z.literal("confirmation") });

const anyEvent = envelope.extend({ event_id: z.string().min(1), object: z.looseObject({}) });

// vk-io parses the button payload as soon as it reads the event; a payload that is not JSON
// would throw there on every redelivery.
const buttonPayload = z.string().refine((payload) => isJson(payload), "Invalid input: expected JSON text");

/**
 * What vk-io reads of a message when it takes the event, for the message itself and for each
 * message it carries (it reads forwarded and replied-to messages the same way): a text, a
 * button payload, attachments it looks up by their `type`. Any of them broken would throw in
 * vk-io on every redelivery.
 */
const carriedMessage = z.looseObject({
  text: z.string().optional(),
  payload: buttonPayload.optional(),
  attachments: z.array(z.looseObject({})).optional(),
  get fwd_messages() {
    return z.array(carriedMessage).optional();
  },
  get reply_message() {
    return carriedMessage.optional();
  },
});

const message = carriedMessage.extend({
  // The id makes the dedupe key and the peer the contact: without them a turn would be stored under "undefined".
  id: z.int(),
  peer_id: z.int(),
  from_id: z.int(),
  text: z.string(),
  ref: z.string().optional(),
  // 1 for the community's own messages, which vk-io skips; anything else would silently drop a person's message.
  out: z.union([z.literal(0), z.literal(1)]).optional(),
});

/**
 * What the client supports (optional in VK's schema). vk-io takes an object without it for the
 * old shape, where the object is the message itself, and reads a message of nobody with no id:
 * every such message would be the same one, from contact "undefined". Filled in when missing.
 */
const clientInfo = z.looseObject({}).default({ button_actions: ["text"], keyboard: true, inline_keyboard: true });

const subscription = z.looseObject({ user_id: z.int() });

/** The objects of the events the channel handles (vk-channel.ts); other events need only be objects. */
const handledEvents = new Map<string, z.ZodType<VkCallbackEvent>>([
  ["message_new", anyEvent.extend({ object: z.looseObject({ message, client_info: clientInfo }) })],
  ["message_allow", anyEvent.extend({ object: subscription })],
  ["message_deny", anyEvent.extend({ object: subscription })],
]);

/**
 * The schema a Callback API request of this `type` must match: the confirmation, an event this
 * channel handles (with the fields of its object that are read), or any other event.
 */
export function vkCallbackEventSchema(type: unknown): z.ZodType<VkCallbackEvent> {
  if (type === "confirmation") return confirmation;
  return (typeof type === "string" && handledEvents.get(type)) || anyEvent;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
