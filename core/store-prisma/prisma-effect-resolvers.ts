import type { EffectResolvers } from "../engine/turn-effect.ts";
import type { DomainEvent } from "../events/event-catalog.ts";
import { createLinkCode } from "./account-link-codes.ts";
import { createOrder } from "./create-order.ts";
import { eraseContact } from "./erase-contact.ts";
import { issuePromoCode } from "./issue-promo-code.ts";
import type { ResolvedEffect, StoreEffectContext } from "./store-effect-context.ts";
import { awayNotice, closeHandoff, notifySupport, openHandoff, postToSupport, stopFollowUps } from "./support-handoff.ts";
import { requestReview, saveSurveyAnswer } from "./survey-responses.ts";

/** The store performs the engine's effects inside the turn's transaction, so a turn that fails issues no code. */
export const prismaEffectResolvers: EffectResolvers<StoreEffectContext, Promise<ResolvedEffect>> = {
  async issue_promo_code(effect, { tx, contactId, now, exhaustedPromoPools }) {
    const code = await issuePromoCode(tx, effect.pool, contactId, now);
    if (code === undefined) exhaustedPromoPools.push(effect.pool);
    const event: DomainEvent =
      code === undefined
        ? { type: "promo_pool_exhausted", data: { pool: effect.pool } }
        : { type: "promo_issued", data: { pool: effect.pool, code } };
    return { flowId: effect.flowId, message: effect.compose(code), events: [event] };
  },
  async create_link_code(effect, { tx, contactId, now }) {
    return { flowId: effect.flowId, message: effect.compose(await createLinkCode(tx, contactId, now)), events: [] };
  },
  create_payment: (effect, context) => createOrder(effect, context),
  open_handoff: (effect, context) => openHandoff(effect, context),
  close_handoff: (effect, context) => closeHandoff(effect, context),
  post_to_support: (effect, context) => postToSupport(effect, context),
  stop_follow_ups: (effect, context) => stopFollowUps(effect, context),
  away_notice: (effect, context) => awayNotice(effect, context),
  save_survey_answer: (effect, context) => saveSurveyAnswer(effect, context),
  notify_support: (effect, context) => notifySupport(effect, context),
  request_review: (effect, context) => requestReview(effect, context),
  async erase_contact(effect, { afterWrite, contactId, now, turn }) {
    // After the turn's rows, so its own events are erased too; its confirmation is kept to be sent.
    afterWrite.push(async (tx) => {
      await eraseContact(tx, contactId, now, { sendingFirst: turn.keyBase });
    });
    return { flowId: effect.flowId, events: [] };
  },
  async cancel_follow_ups(effect, context) {
    // The goal's conversation: its pending follow-ups stop, but for the service ones the flow keeps.
    const conversationId = effect.flowId ? context.conversationIdOf(effect.flowId) : undefined;
    if (!conversationId) return { flowId: effect.flowId, events: [] };
    const keep = JSON.stringify(effect.keep);
    const cancelled = await context.tx.$queryRaw<Array<{ id: string }>>`
      UPDATE "FollowUp" f SET status = 'cancelled', "settledAt" = ${context.now}
      WHERE f."conversationId" = ${conversationId}::uuid AND f.status IN ('pending', 'held')
        AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(${keep}::jsonb) AS k("stepId" text, index int)
                        WHERE k."stepId" = f."stepId" AND k.index = f.index)
      RETURNING f.id`;
    context.cancelled.push(...cancelled.map((row) => row.id));
    return { flowId: effect.flowId, events: [] };
  },
};
