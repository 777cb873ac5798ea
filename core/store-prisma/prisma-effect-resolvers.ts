import { messageOutData } from "../engine/engine-turn.ts";
import type { EffectResolvers } from "../engine/turn-effect.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import { createLinkCode } from "./account-link-codes.ts";
import { writeEvent } from "./event-rows.ts";
import type { Prisma } from "./generated/client.ts";
import { issuePromoCode } from "./issue-promo-code.ts";

/** What an effect resolver gets: the turn's transaction, its contact, conversation lookup and clock. */
export interface StoreEffectContext {
  tx: Prisma.TransactionClient;
  contactId: string;
  conversationOf: (flowId: string | null) => string | null;
  now: Date;
  /** Promo pools found empty in this turn (the fallback was sent), for the runtime to warn about. */
  exhaustedPromoPools: string[];
}

/** The message an effect composed, with the conversation it belongs to; effects that send nothing give none. */
export interface ResolvedEffect {
  flowId: string | null;
  message?: OutboundMessage;
}

/**
 * The store performs the engine's effects inside the turn's transaction, so a turn that fails
 * issues no code. Every message an effect composes is logged like the engine's own.
 */
export const prismaEffectResolvers: EffectResolvers<StoreEffectContext, Promise<ResolvedEffect>> = {
  async issue_promo_code(effect, { tx, contactId, conversationOf, now, exhaustedPromoPools }) {
    const code = await issuePromoCode(tx, effect.pool, contactId, now);
    if (code === undefined) exhaustedPromoPools.push(effect.pool);
    const conversationId = conversationOf(effect.flowId);
    const event =
      code === undefined
        ? { type: "promo_pool_exhausted" as const, data: { pool: effect.pool } }
        : { type: "promo_issued" as const, data: { pool: effect.pool, code } };
    await writeEvent(tx, contactId, event, now, conversationId);
    const message = effect.compose(code);
    await writeEvent(tx, contactId, { type: "message_out", data: messageOutData(message) }, now, conversationId);
    return { flowId: effect.flowId, message };
  },
  async create_link_code(effect, { tx, contactId, conversationOf, now }) {
    const message = effect.compose(await createLinkCode(tx, contactId, now));
    await writeEvent(tx, contactId, { type: "message_out", data: messageOutData(message) }, now, conversationOf(effect.flowId));
    return { flowId: effect.flowId, message };
  },
};
