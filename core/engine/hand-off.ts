import type { EngineTexts } from "../texts/engine-texts.ts";
import type { EngineTurn } from "./engine-turn.ts";
import type { NextOpening, SupportHours } from "./support-hours.ts";
import type { OpenHandoff } from "./turn-effect.ts";

/** A request for a person: why, what asked for it, and what the customer is told. */
export interface HandoffRequest {
  flowId: string | null;
  reason: string;
  via: OpenHandoff["via"];
  stepId?: string | undefined;
  resume?: OpenHandoff["resume"];
  /** The flow's own words to the customer (else the bot's `handoffStarted`). */
  say?: string | undefined;
  texts: EngineTexts;
}

/** Where support staff are: whether a support desk takes handoffs, and when it answers. */
export interface SupportSettings {
  desk: boolean;
  /** As the installation says it (SUPPORT_HOURS_TEXT), added to the word to the customer. */
  hours?: string | undefined;
  /** The schedule (SUPPORT_HOURS): outside it the customer is told when they will be answered. */
  schedule?: SupportHours | undefined;
}

/**
 * Asks for support staff to take the conversation (a handoff step, «talk to a person», a word
 * the customer typed). With a support desk the store hands it over (see OpenHandoff) and the
 * customer is told a person will answer; without one the request is only recorded, the customer
 * told it was passed on, and the bot goes on. Returns whether staff take the conversation.
 */
export function handOff(turn: EngineTurn, request: HandoffRequest, support: SupportSettings): boolean {
  const { texts } = request;
  const facts = { reason: request.reason, via: request.via, ...(request.stepId ? { stepId: request.stepId } : {}) };
  if (!support.desk) {
    turn.record("handoff_requested", request.flowId, facts);
    turn.say(request.flowId, texts.faqHumanRequested);
    return false;
  }
  const hours = support.hours ? ` ${texts.supportHours} ${support.hours}.` : "";
  const opening = support.schedule?.nextOpening(turn.now);
  if (opening) turn.record("support_out_of_hours", request.flowId, { opensAt: opening.at.toISOString() });
  const away = opening ? `\n\n${awayText(texts, opening)}` : "";
  const started = `${request.say ?? texts.handoffStarted}${hours}${away}`;
  turn.effect((position) => ({
    type: "open_handoff",
    flowId: request.flowId,
    position,
    reason: request.reason,
    via: request.via,
    stepId: request.stepId,
    resume: request.resume,
    compose: () => turn.message(started),
  }));
  return true;
}

/**
 * A customer with staff writes outside support hours: they are told when support opens (once
 * per closed period: the store drops the notice when they were told it for this opening).
 */
export function tellWhenSupportOpens(turn: EngineTurn, flowId: string | null, texts: EngineTexts, support: SupportSettings): void {
  const opening = support.schedule?.nextOpening(turn.now);
  if (!opening) return;
  turn.effect((position) => ({
    type: "away_notice",
    flowId,
    position,
    opensAt: opening.at.toISOString(),
    compose: () => turn.message(awayText(texts, opening)),
  }));
}

/** «Сейчас мы не на связи — ответим завтра с 9:00.» */
function awayText(texts: EngineTexts, opening: NextOpening): string {
  const template =
    opening.day === "today"
      ? texts.supportClosedToday
      : opening.day === "tomorrow"
        ? texts.supportClosedTomorrow
        : texts.supportClosedUntil;
  const day = typeof opening.day === "number" ? (texts.weekdays.split(",")[opening.day - 1] ?? "") : "";
  return template.replace("{time}", opening.time).replace("{day}", day.trim());
}
