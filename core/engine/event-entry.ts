import type { FlowCatalog } from "../flow/flow-catalog.ts";
import type { ConversationEvent, ConversationState } from "../model/conversation-state.ts";
import type { EngineTurn } from "./engine-turn.ts";
import type { MarketingCaps } from "./marketing-cap.ts";
import { nextMarketingMoment } from "./marketing-moment.ts";
import type { StepRunner } from "./step-runner.ts";
import { vkFreeWindowMs } from "./vk-free-window.ts";

/**
 * What an outside event did: the flow it started, or why it started none. `later`: a marketing
 * trigger at night or past the cap — nothing is recorded, the sender posts it again after `until`.
 */
export type EventEntryOutcome =
  | { outcome: "started"; flowId: string }
  | { outcome: "later"; until: Date }
  | { outcome: "no_flow" | "opted_out" | "handed_off" | "outside_vk_window" };

/**
 * An event from another system reaches a contact: the first flow that waits for its type (and
 * whose `if` holds, with `event.*` in scope) starts, carrying the event for its templates and
 * conditions. Nobody is written to who opted out or is with support staff; a marketing trigger
 * (the default; `marketing: false` for news of the person's own order) waits out quiet hours and
 * the frequency cap.
 */
export function enterByEvent(
  parts: { turn: EngineTurn; runner: StepRunner; flows: FlowCatalog; caps: MarketingCaps },
  input: {
    conversations: ConversationState[];
    currentFlowId: string | null;
    event: ConversationEvent;
    /** Marketing the contact got in the last eight days (ms since 1970), for the frequency cap. */
    marketingSentAt?: readonly number[] | undefined;
    /** When the person last wrote on the channel that reaches them (VK's 24 hours). */
    lastSeenAt?: string | undefined;
  },
): EventEntryOutcome {
  const { turn, runner, flows } = parts;
  const { event } = input;
  const facts = { id: event.id, type: event.type };
  const conversationOf = (flowId: string | null) => input.conversations.find((c) => c.flowId === flowId);
  const refuse = (outcome: "no_flow" | "opted_out" | "handed_off" | "outside_vk_window"): EventEntryOutcome => {
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
  // A marketing trigger keeps the quiet hours and the cap of the contact's own day.
  const until = entry.marketing
    ? nextMarketingMoment(entry.flow, turn.zoneOf(entry.flow), turn.now, input.marketingSentAt ?? [], parts.caps)
    : undefined;
  if (until) return { outcome: "later", until };
  // VK allows no advertising past 24 hours after the person's last message, whatever the intent.
  const lastSeen = input.lastSeenAt ? Date.parse(input.lastSeenAt) : Number.NaN;
  if (entry.marketing && turn.channel === "vk" && !(turn.now.getTime() - lastSeen <= vkFreeWindowMs)) return refuse("outside_vk_window");
  turn.purpose = entry.marketing ? "promo" : "service";
  turn.record("external_event", entry.flow.id, { ...facts, outcome: "started", flowId: entry.flow.id, marketing: entry.marketing });
  if (entry.marketing) turn.record("marketing_sent", entry.flow.id, { via: "event" });
  runner.start(entry.flow, conversationOf(entry.flow.id), conversationOf(input.currentFlowId), event);
  return { outcome: "started", flowId: entry.flow.id };
}
