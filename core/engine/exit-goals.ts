import type { FlowCatalog } from "../flow/flow-catalog.ts";
import type { Flow } from "../flow/flow-schema.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { EngineTurn } from "./engine-turn.ts";

/**
 * Exit goals (a conversion, as Customer.io calls it): at the end of a turn, every conversation
 * whose flow has a `goal` that holds now, and did not before, is marked converted: the event
 * log records it with the time since the conversation began, and the flow's pending marketing
 * follow-ups are cancelled (service ones, `marketing: false`, stay). Those planned later are
 * skipped when due (see Engine.fireFollowUp).
 */
export function reachExitGoals(turn: EngineTurn, flows: FlowCatalog, conversations: readonly ConversationState[]): void {
  const latest = new Map(conversations.map((c) => [c.flowId, c]));
  for (const touched of turn.touchedConversations()) latest.set(touched.flowId, touched);
  for (const conversation of latest.values()) {
    if (conversation.goalReachedAt) continue;
    const flow = flows.version(conversation.flowId, conversation.flowVersion) ?? flows.get(conversation.flowId);
    if (!flow?.goal || !turn.test(flow.goal, conversation, flow)) continue;
    const state = turn.touch(conversation);
    state.goalReachedAt = turn.now.toISOString();
    const since = state.startedAt ? Date.parse(state.startedAt) : Number.NaN;
    const afterSeconds = Number.isNaN(since) ? {} : { afterSeconds: Math.round((turn.now.getTime() - since) / 1000) };
    turn.record("goal_reached", flow.id, { goal: flow.goal, ...afterSeconds });
    turn.effect((position) => ({ type: "cancel_follow_ups", flowId: flow.id, position, keep: serviceFollowUps(flow) }));
  }
}

/** The follow-ups of a flow that are service, not marketing: a goal leaves them be. */
function serviceFollowUps(flow: Flow): Array<{ stepId: string; index: number }> {
  return flow.steps.flatMap((step) =>
    (step.followUps ?? []).flatMap((f, index) => (f.marketing === false ? [{ stepId: step.id, index }] : [])),
  );
}
