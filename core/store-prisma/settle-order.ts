import type { DomainEvent } from "../events/event-catalog.ts";
import type { OrderSnapshot } from "../model/order.ts";
import type { AppliedTurn, PaymentDecision, PaymentUpdate } from "../runtime/conversation-store.ts";
import { loadContactState } from "./contact-state.ts";
import { snapshotOf } from "./create-order.ts";
import type { Contact, Order, Prisma } from "./generated/client.ts";
import { persistTurn } from "./persist-turn.ts";
import { reachableIdentity } from "./reachable-identity.ts";
import { recordReceipt } from "./record-receipt.ts";
import { toConversationState } from "./row-mappers.ts";
import { prismaRunner } from "./sql-runner.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

type Tx = Prisma.TransactionClient;

/**
 * The news of a payment as an inbound of its own, in one transaction: its key recorded (a
 * redelivery does nothing), the order's contact locked, the order moved from pending to its
 * outcome exactly once, the contact's purchase facts counted, and the turn the engine decides
 * written like any other (its messages go where the person wrote last).
 */
export async function settleOrder(
  tx: Tx,
  update: PaymentUpdate,
  decide: PaymentDecision,
  now: Date,
  settings: Pick<TurnToPersist, "payments" | "supportDesk" | "reviewLinkBase">,
): Promise<AppliedTurn | null> {
  if (!(await recordReceipt(tx, update.key, "payment", now))) return null;
  const [contact] = await tx.$queryRaw<Contact[]>`
    SELECT ct.* FROM "Contact" ct WHERE ct.id = (SELECT "contactId" FROM "Order" WHERE id = ${update.orderId}) FOR UPDATE`;
  if (!contact) return null;
  const [order] = await tx.$queryRaw<Order[]>`SELECT * FROM "Order" WHERE id = ${update.orderId}`;
  // Settled already (another notification, the reconciliation): never a second paid branch.
  if (order?.status !== "pending") return null;
  if (order.amount !== update.amount || order.currency !== update.currency) {
    throw new Error(
      `payment ${update.providerPaymentId} is ${update.amount} ${update.currency}, order ${order.id} asks ${order.amount} ${order.currency}`,
    );
  }
  const { context, conversations } = await loadContactState(prismaRunner(tx), contact);
  const row = conversations.find((c) => c.id === order.conversationId);
  if (!row) return null;
  const identity = await reachableIdentity(tx, contact.id);
  if (!identity) return null;
  const { channel } = identity;
  const settled: OrderSnapshot = { ...snapshotOf({ ...order, status: update.status }) };
  const result = decide({
    ...context,
    conversation: toConversationState(row),
    order: settled,
    visit: order.visit,
    outcome: update.status,
    channel,
  });
  const facts = { orderId: order.id, stepId: order.stepId, amount: order.amount, currency: order.currency, provider: order.provider };
  const event: DomainEvent =
    update.status === "paid"
      ? { type: "order_paid", flowId: order.flowId, data: facts }
      : update.status === "expired"
        ? { type: "order_expired", flowId: order.flowId, data: facts }
        : { type: "order_canceled", flowId: order.flowId, data: facts };
  result.events.unshift(event);
  // Settled before the turn is written: a branch that enters a pay step again makes a fresh order.
  await tx.$executeRaw`
    UPDATE "Order" SET status = ${update.status}, "providerPaymentId" = ${update.providerPaymentId},
      "paidAt" = ${update.status === "paid" ? now : null}, "updatedAt" = ${now}
    WHERE id = ${order.id}`;
  const applied = await persistTurn(tx, {
    contact,
    conversations,
    result,
    from: identity,
    keyBase: update.key,
    setCurrent: false,
    lane: "reply",
    now,
    ...settings,
  });
  if (update.status === "paid") {
    await tx.$executeRaw`
      UPDATE "Contact" SET "ordersCount" = "ordersCount" + 1,
        "totalSpent" = jsonb_set("totalSpent", ARRAY[${order.currency}], to_jsonb(coalesce(("totalSpent" ->> ${order.currency})::bigint, 0) + ${order.amount})),
        "firstOrderAt" = coalesce("firstOrderAt", ${now}), "lastOrderAt" = ${now}
      WHERE id = ${contact.id}::uuid`;
  }
  return applied;
}
