import type { FlowCatalog } from "../flow/flow-catalog.ts";
import type { ConversationEvent, ConversationState } from "../model/conversation-state.ts";
import type { EngineTurn } from "./engine-turn.ts";
import type { StepRunner } from "./step-runner.ts";

/** What an outside event did: the flow it started, or why it started none. */
export type EventEntryOutcome = { outcome: "started"; flowId: string } | { outcome: "no_flow" | "opted_out" | "handed_off" };

/**
 * An event from another system reaches a contact: the first flow that waits for its type (and
 * whose `if` holds, with `event.*` in scope) starts, carrying the event for its templates and
 * conditions. Nobody is written to who opted out or is with support staff.
 */
export function enterByEvent(
  parts: { turn: EngineTurn; runner: StepRunner; flows: FlowCatalog },
  input: { conversations: ConversationState[]; currentFlowId: string | null; event: ConversationEvent },
): EventEntryOutcome {
  const { turn, runner, flows } = parts;
  const { event } = input;
  const facts = { id: event.id, type: event.type };
  const conversationOf = (flowId: string | null) => input.conversations.find((c) => c.flowId === flowId);
  const refuse = (outcome: "no_flow" | "opted_out" | "handed_off"): EventEntryOutcome => {
    turn.record("external_event", null, { ...facts, outcome });
    return { outcome };
  };
  if (turn.contact.optedOut) return refuse("opted_out");
  if (turn.contact.handed_off_at) return refuse("handed_off");
  const scope = {
    flowId: "",
    flowVersion: "",
    stepId: null,
    visit: 0,
    stage: null,
    status: "ended",
    vars: {},
    attempts: 0,
    event,
  } as const;
  const entry = flows
    .byEvent(event.type)
    .find(({ flow, condition }) => condition === undefined || turn.test(condition, { ...scope, flowId: flow.id }, flow));
  if (!entry) return refuse("no_flow");
  turn.record("external_event", entry.flow.id, { ...facts, outcome: "started", flowId: entry.flow.id });
  runner.start(entry.flow, conversationOf(entry.flow.id), conversationOf(input.currentFlowId), event);
  return { outcome: "started", flowId: entry.flow.id };
}
