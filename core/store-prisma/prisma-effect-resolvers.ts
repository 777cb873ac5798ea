import type { EffectResolvers } from "../engine/turn-effect.ts";
import type { DomainEvent } from "../events/event-catalog.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import { createLinkCode } from "./account-link-codes.ts";
import type { Prisma } from "./generated/client.ts";
import { issuePromoCode } from "./issue-promo-code.ts";

/** What an effect resolver gets: the turn's transaction, its contact and clock. */
export interface StoreEffectContext {
  tx: Prisma.TransactionClient;
  contactId: string;
  now: Date;
  /** Promo pools found empty in this turn (the fallback was sent), for the runtime to warn about. */
  exhaustedPromoPools: string[];
}

/**
 * What an effect did: the message it composed (effects that send nothing give none) and the
 * events it records, both for the conversation of `flowId`; the caller writes them.
 */
export interface ResolvedEffect {
  flowId: string | null;
  message?: OutboundMessage;
  events: DomainEvent[];
}

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
};
