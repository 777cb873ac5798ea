import type { OrderSnapshot } from "./order.ts";
import type { Stage } from "./stage.ts";

/** One contact's conversation in one flow, as the engine reads and changes it. */
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
  /** The latest order of a pay step in this conversation (kept by the store; templates read `order.*`). */
  order?: OrderSnapshot;
  /** When the conversation (re)started, and when it reached the flow's exit goal (ISO). */
  startedAt?: string;
  goalReachedAt?: string;
  /** The visit whose step was shown again after an FAQ answer (it is, once per visit). */
  repeatedAfterFaq?: number;
  /** The outside event that started this conversation (templates and conditions read `event.*`). */
  event?: ConversationEvent;
}

/** An event from another system, as a flow it started reads it. */
export interface ConversationEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  occurred_at: string;
}
