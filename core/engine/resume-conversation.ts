import type { FlowCatalog } from "../flow/flow-catalog.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { EngineTurn } from "./engine-turn.ts";
import type { Position } from "./inbound/inbound-handler.ts";

/**
 * Where a running conversation continues: on the version it started on, or on the current one
 * when that declares `migrate` and has the (mapped) step, in which case the conversation moves
 * over now. An unknown old version falls back to the current one. Undefined when its flow or
 * step is gone.
 */
export function resumeConversation(turn: EngineTurn, flows: FlowCatalog, conversation: ConversationState): Position | undefined {
  const current = flows.get(conversation.flowId);
  let flow = current;
  let stepId = conversation.stepId;
  if (current && current.version !== conversation.flowVersion) {
    const mapped = stepId ? (current.migrate?.steps[stepId] ?? stepId) : null;
    if (current.migrate && mapped && current.steps.some((s) => s.id === mapped)) {
      Object.assign(turn.touch(conversation), { flowVersion: current.version, stepId: mapped });
      turn.record("flow_migrated", current.id, { from: conversation.flowVersion, to: current.version, step: mapped });
      stepId = mapped;
    } else {
      flow = flows.version(conversation.flowId, conversation.flowVersion) ?? current;
    }
  }
  const step = flow?.steps.find((s) => s.id === stepId);
  return flow && step ? { conversation, flow, step } : undefined;
}
