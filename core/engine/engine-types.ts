import type { DomainEvent } from "../events/event-catalog.ts";
import type { ContactView } from "../model/contact-view.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import type { TurnEffect } from "./turn-effect.ts";

export interface FollowUpPlan {
  flowId: string;
  visit: number;
  stepId: string;
  index: number;
  dueAt: Date;
  /** Whether it counts against the contact's marketing cap (`marketing: false` follow-ups never do). */
  marketing?: boolean;
  /** When it would have been due had quiet hours not held it back to `dueAt`. */
  heldBackFrom?: Date;
}

/** A message of the turn, in the order the contact reads them. */
export interface PlannedMessage {
  flowId: string | null;
  message: OutboundMessage;
}

/** Everything a turn decided. The engine sends nothing: the runtime applies this in one transaction. */
export interface EngineResult {
  contact: ContactView;
  contactChanged: boolean;
  /** Flow id of the conversation that receives the contact's next messages. */
  currentFlowId: string | null;
  /** Conversations whose state changed, by flow id. */
  conversations: ConversationState[];
  /** Messages known now; effects that bring a message of their own slot it in at their `position`. */
  outbound: PlannedMessage[];
  /** Work only the store or a service can do (see turn-effect.ts), in the order it was decided. */
  effects: TurnEffect[];
  followUps: FollowUpPlan[];
  events: DomainEvent[];
}
