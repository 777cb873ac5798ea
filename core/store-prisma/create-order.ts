import { createHash } from "node:crypto";
import type { CreatePayment } from "../engine/turn-effect.ts";
import type { DomainEvent } from "../events/event-catalog.ts";
import { minorUnitsPer, type OrderSnapshot } from "../model/order.ts";
import type { ProviderPayment } from "../runtime/payment-provider.ts";
import type { Order } from "./generated/client.ts";
import { toConversationState } from "./row-mappers.ts";
import type { ResolvedEffect, StoreEffectContext } from "./store-effect-context.ts";

/**
 * The order behind a pay step's button, inside the turn's transaction (the contact is locked):
 * the step's order that can still be paid (same price, link not expired) is shown again; else a
 * new order, whose payment the provider makes now. The order's id comes from the turn's key, so
 * a turn tried again asks the provider with the same idempotence key and gets the same payment.
 * A provider that fails is no failed turn: the customer is told to try again later.
 */
export async function createOrder(effect: CreatePayment, context: StoreEffectContext): Promise<ResolvedEffect> {
  const { tx, turn, now } = context;
  const { request } = effect;
  const flowId = effect.flowId as string;
  const conversationId = context.conversationIdOf(flowId) as string;
  const facts = { stepId: request.stepId, amount: request.amount, currency: request.currency };
  const [reusable] = await tx.$queryRaw<Order[]>`
    SELECT * FROM "Order" WHERE "conversationId" = ${conversationId}::uuid AND "stepId" = ${request.stepId} AND status = 'pending'
      AND amount = ${request.amount} AND currency = ${request.currency} AND "paymentUrl" IS NOT NULL
      AND ("expiresAt" IS NULL OR "expiresAt" > ${now})
    ORDER BY "createdAt" DESC LIMIT 1`;
  if (reusable) {
    const order = snapshotOf(reusable);
    keepWithConversation(context, flowId, order);
    return {
      flowId,
      message: effect.compose(order),
      events: [{ type: "order_reused", data: { orderId: order.id, stepId: request.stepId } }],
    };
  }
  const provider = turn.payments?.choose(request.provider, turn.from.channel, request.currency);
  const failed = (reason: "no_provider" | "provider_error", message?: string): ResolvedEffect => ({
    flowId,
    message: effect.compose(undefined),
    events: [{ type: "payment_failed", data: { stepId: request.stepId, reason, ...(message ? { message } : {}) } }],
  });
  if (!provider) return failed("no_provider", `no payment provider for "${request.provider}" on ${turn.from.channel}`);
  const orderId = orderIdOf(turn.keyBase, effect.position);
  let payment: ProviderPayment;
  try {
    payment = await provider.create({
      orderId,
      title: request.title,
      description: request.description,
      amount: request.amount,
      currency: request.currency,
      customer: { email: turn.result.contact.email, phone: turn.result.contact.phone },
    });
  } catch (error) {
    return failed("provider_error", error instanceof Error ? error.message.slice(0, 500) : String(error));
  }
  const order: OrderSnapshot = {
    id: orderId,
    stepId: request.stepId,
    status: "pending",
    paid: false,
    title: request.title,
    amount: request.amount / minorUnitsPer(request.currency),
    currency: request.currency,
    url: payment.url,
    ...(provider.test ? { test: true } : {}),
  };
  keepWithConversation(context, flowId, order);
  context.afterWrite.push(async (write) => {
    await write.order.upsert({
      where: { id: orderId },
      create: {
        id: orderId,
        contactId: context.contactId,
        conversationId,
        flowId,
        stepId: request.stepId,
        visit: request.visit,
        provider: provider.name,
        providerPaymentId: payment.providerPaymentId,
        title: request.title,
        description: request.description ?? null,
        amount: request.amount,
        currency: request.currency,
        paymentUrl: payment.url,
        expiresAt: payment.expiresAt ?? null,
        metadata: provider.test ? { test: true } : {},
        createdAt: now,
        updatedAt: now,
      },
      update: {},
    });
  });
  const created: DomainEvent = { type: "order_created", data: { orderId, ...facts, provider: provider.name } };
  return { flowId, message: effect.compose(order), events: [created] };
}

/** An order id from the turn's key and the effect's place in it: the same turn gives the same id. */
function orderIdOf(keyBase: string, position: number): string {
  const hex = createHash("sha256").update(`${keyBase}#pay${position}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The order as templates see it. */
export function snapshotOf(row: Order): OrderSnapshot {
  return {
    id: row.id,
    stepId: row.stepId,
    status: row.status as OrderSnapshot["status"],
    paid: row.status === "paid" || row.status === "refunded" || row.status === "partially_refunded",
    title: row.title,
    amount: row.amount / minorUnitsPer(row.currency),
    currency: row.currency,
    url: row.status === "pending" ? row.paymentUrl : null,
    ...(row.provider === "test" ? { test: true } : {}),
  };
}

/** The conversation keeps its latest order (for `order.*` in its follow-ups and conditions). */
function keepWithConversation({ turn }: StoreEffectContext, flowId: string, order: OrderSnapshot): void {
  const changed = turn.result.conversations.find((c) => c.flowId === flowId);
  if (changed) {
    changed.order = order;
    return;
  }
  const row = turn.conversations.find((c) => c.flowId === flowId);
  if (row) turn.result.conversations.push({ ...toConversationState(row), order });
}
