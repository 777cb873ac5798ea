import type { FaqMatcher } from "../../faq/faq-matcher.ts";
import type { FlowCatalog } from "../../flow/flow-catalog.ts";
import type { Flow } from "../../flow/flow-schema.ts";
import type { Step } from "../../flow/step-kinds.ts";
import type { ChannelName } from "../../model/channel-name.ts";
import type { ContactView } from "../../model/contact-view.ts";
import type { ConversationState } from "../../model/conversation-state.ts";
import type { InboundEvent } from "../../model/inbound-event.ts";
import type { EngineTexts } from "../../texts/engine-texts.ts";
import type { EngineTurn } from "../engine-turn.ts";
import type { FaqResponder } from "../faq-responder.ts";
import type { SupportSettings } from "../hand-off.ts";
import type { StepRunner } from "../step-runner.ts";

export interface HandleInput {
  contact: ContactView;
  /** All conversations of the contact (one per flow). */
  conversations: ConversationState[];
  currentFlowId: string | null;
  channel: ChannelName;
  event: InboundEvent;
  /** The inbound's idempotency key (Telegram update id, VK message id …), kept with the message in the event log. */
  inboundKey: string;
  now: Date;
  /** The store redeemed a link code this event carried (see account-link.ts). */
  linkResult?: "linked" | "invalid" | undefined;
}

/** Where the contact is: the active conversation, on the flow version it continues on, at its step. */
export interface Position {
  conversation: ConversationState;
  flow: Flow;
  step: Step;
}

/** What every inbound handler gets: the event, the turn being built and the engine's parts. */
export interface InboundContext {
  readonly input: HandleInput;
  readonly turn: EngineTurn;
  readonly runner: StepRunner;
  readonly flows: FlowCatalog;
  readonly faq: FaqResponder;
  /** The typed text, trimmed; empty for other events. */
  readonly text: string;
  conversationOf(flowId: string | null): ConversationState | undefined;
  /** The contact's active conversation, if any (before any change of this turn). */
  readonly active: ConversationState | undefined;
  /** Where the active conversation stands; resuming may move it to a newer flow version (once per turn). */
  position(): Position | undefined;
  /** The knowledge base that answers here: the flow's own entries first when in a flow. */
  matcher(): FaqMatcher | undefined;
  textsOf(flow: Flow | null): EngineTexts;
  /** Whether support staff take handoffs here, and when they answer. */
  readonly support: SupportSettings;
}

/**
 * One stage of the inbound pipeline (see engine.ts for the order): it handles the event and
 * returns true, or returns false to pass it on. A new kind of inbound (a payment confirmed, a
 * staff reply, an outside event) is one more handler.
 */
export interface InboundHandler {
  name: string;
  handle(context: InboundContext): boolean;
}
