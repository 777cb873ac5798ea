import type { FlowCatalog } from "../flow/flow-catalog.ts";
import type { ChannelName } from "../model/channel-name.ts";
import type { ContactView } from "../model/contact-view.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { EngineTurn } from "./engine-turn.ts";
import type { MarketingCaps } from "./marketing-cap.ts";
import { nextMarketingMoment } from "./marketing-moment.ts";
import type { StepRunner } from "./step-runner.ts";

export interface InactivityEntryInput {
  contact: ContactView;
  conversations: ConversationState[];
  currentFlowId: string | null;
  /** Where the contact is reached (the channel they wrote from last). */
  channel: ChannelName;
  /** The win-back flow the scan found them for. */
  flowId: string;
  /** When they last wrote. */
  lastSeenAt: Date;
  /** Marketing the contact got in the last eight days (ms since 1970), for the frequency cap. */
  marketingSentAt: number[];
  now: Date;
}

/**
 * `started`; `later` when now is no time to write (quiet hours, the cap reached): the next scan
 * tries again; else why this silence gets no win-back at all.
 */
export type InactivityEntryOutcome =
  | { outcome: "started" | "later" }
  | { outcome: "skipped"; reason: "no_flow" | "opted_out" | "handed_off" | "no_consent" | "in_flow" | "outside_vk_window" };

/**
 * A contact silent for as long as a flow's `inactive:` trigger says enters it: a marketing
 * message by definition, so it honours everything a marketing follow-up does — opt-out,
 * consent, support staff, quiet hours and the frequency cap in the contact's own time zone, and
 * VK's rule that a community may not advertise past 24 hours after the person's last message.
 */
export function enterByInactivity(
  parts: { turn: EngineTurn; runner: StepRunner; flows: FlowCatalog; caps: MarketingCaps },
  input: InactivityEntryInput,
): InactivityEntryOutcome {
  const { turn, runner, flows } = parts;
  const flow = flows.get(input.flowId);
  const skipped = (reason: Extract<InactivityEntryOutcome, { outcome: "skipped" }>["reason"]): InactivityEntryOutcome => ({
    outcome: "skipped",
    reason,
  });
  if (!flow) return skipped("no_flow");
  if (turn.contact.optedOut) return skipped("opted_out");
  if (turn.contact.handed_off_at) return skipped("handed_off");
  if (flow.requiresConsent && !turn.contact.consent) return skipped("no_consent");
  const existing = input.conversations.find((c) => c.flowId === flow.id);
  if (existing?.status === "active") return skipped("in_flow");
  // Thirty silent days on VK are always past its 24 hours: no intent allows advertising then.
  if (input.channel === "vk") return skipped("outside_vk_window");
  if (nextMarketingMoment(flow, turn.zoneOf(flow), input.now, input.marketingSentAt, parts.caps)) return { outcome: "later" };

  turn.purpose = "promo";
  turn.record("winback_entered", flow.id, { silentSeconds: Math.round((input.now.getTime() - input.lastSeenAt.getTime()) / 1000) });
  turn.record("marketing_sent", flow.id, { via: "winback" });
  runner.start(
    flow,
    existing,
    input.conversations.find((c) => c.flowId === input.currentFlowId),
  );
  return { outcome: "started" };
}
