import type { AskType, FileAttachment, Stage } from "../flow/flow-schema.ts";

/** Channels a conversation can run on. */
export const channelNames = ["web", "telegram", "vk"] as const;
export type ChannelName = (typeof channelNames)[number];

/** What happened on a channel, already normalised by the channel adapter. */
export type InboundEvent =
  /** `/start <payload>`, a VK `ref`, or the web chat's flow picker (`flowId`). */
  | { type: "start"; payload?: string; flowId?: string }
  | { type: "text"; text: string }
  /** A press on one of our buttons; `payload` is what the button carried. */
  | { type: "button"; payload: string; label?: string };

export interface OutboundButton {
  label: string;
  /** Sent back by a reply button. */
  payload?: string;
  /** Opened by a link button. */
  url?: string;
}

/** One message in the normalised model that every channel adapter renders. */
export interface OutboundMessage {
  /** Simple HTML (`<b> <i> <u> <s> <code> <a>`) for html channels, plain text otherwise. */
  text: string;
  format: "html" | "plain";
  /** Rows of buttons. */
  buttons?: OutboundButton[][];
  /** What the question expects, so an adapter can offer e.g. a "share phone" button. */
  expects?: AskType;
  /** A document to send; `text` is its caption where the platform allows (Telegram: ≤ 1024 characters). */
  file?: FileAttachment;
  /** A code from this pool goes into the text (see promo-code.ts); `fallback` is sent when the pool is empty. */
  promo?: { pool: string; fallback: string };
  /** A new "link my accounts" code goes into the text (see account-link.ts). */
  linkCode?: true;
}

/** The contact as the engine sees it; built-in fields are snake_case, as in templates. */
export interface ContactView {
  id: string;
  first_name?: string | null;
  last_name?: string | null;
  username?: string | null;
  phone?: string | null;
  email?: string | null;
  /** Attribution: the first and the latest deep-link payload (or `keyword:<word>`) the contact came by. */
  first_source?: string | null;
  last_source?: string | null;
  /** Consent to process personal data in force, or null (never given, or withdrawn). */
  consent?: { version: string; at: string; channel: string } | null;
  fields: Record<string, unknown>;
  tags: string[];
  optedOut: boolean;
}

export const builtinContactFields = ["first_name", "last_name", "username", "phone", "email"] as const;

/** `contact.<name>` as templates and conditions see it: a built-in field, the attribution, or a flow's own field. */
export function contactFieldValue(contact: ContactView, name: string): unknown {
  const onContact = (builtinContactFields as readonly string[]).includes(name) || name === "first_source" || name === "last_source";
  return onContact ? contact[name as keyof ContactView] : contact.fields[name];
}

export interface ConversationState {
  flowId: string;
  flowVersion: string;
  /** Null once the conversation has ended. */
  stepId: string | null;
  /** Increases on every step entry; buttons and follow-ups belong to one visit. */
  visit: number;
  stage: Stage | null;
  status: "active" | "ended";
  vars: Record<string, unknown>;
  /** Invalid answers given at the current step. */
  attempts: number;
  /** The last valid answer, available to conditions as `answer`. */
  answer?: unknown;
}

export interface FollowUpPlan {
  flowId: string;
  visit: number;
  stepId: string;
  index: number;
  dueAt: Date;
  /** When it would have been due had quiet hours not held it back to `dueAt`. */
  heldBackFrom?: Date;
}

export interface DomainEvent {
  type:
    | "message_in"
    | "message_out"
    | "conversation_started"
    | "conversation_ended"
    | "step_entered"
    | "stage_changed"
    | "field_set"
    | "tag_added"
    | "tag_removed"
    | "answer_invalid"
    | "button_stale"
    | "opted_out"
    | "opted_in"
    | "followup_fired"
    | "followup_skipped"
    | "flow_error"
    | "flow_migrated"
    | "source_recorded"
    | "lead"
    | "consent_given"
    | "consent_declined"
    | "consent_withdrawn"
    | "faq_answered"
    | "faq_suggested"
    | "faq_unanswered"
    | "handoff_requested";
  flowId?: string;
  data: Record<string, unknown>;
}

/** Everything a turn decided. The engine sends nothing: the runtime applies this in one transaction. */
export interface EngineResult {
  contact: ContactView;
  contactChanged: boolean;
  /** Flow id of the conversation that receives the contact's next messages. */
  currentFlowId: string | null;
  /** Conversations whose state changed, by flow id. */
  conversations: ConversationState[];
  outbound: Array<{ flowId: string | null; message: OutboundMessage }>;
  followUps: FollowUpPlan[];
  events: DomainEvent[];
}
