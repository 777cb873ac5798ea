import { writeEvent } from "./event-rows.ts";
import type { Order, PrismaClient } from "./generated/client.ts";
import { recordReceipt } from "./record-receipt.ts";

/** Why a refund cannot be made, or what it leaves. */
export type RefundCheck = { ok: true; order: Order; refundable: number } | { ok: false; reason: string };

/** Whether `amount` (minor units; all that is left when undefined) of an order can be given back. */
export async function checkRefund(prisma: PrismaClient, orderId: string, amount: number | undefined): Promise<RefundCheck> {
  const order = await prisma.order.findUnique({ where: { id: orderId } });
  if (!order) return { ok: false, reason: `no order ${orderId}` };
  if (order.status !== "paid" && order.status !== "partially_refunded")
    return { ok: false, reason: `order ${orderId} is ${order.status}, not paid` };
  const refundable = order.amount - order.refundedAmount;
  const wanted = amount ?? refundable;
  if (!Number.isInteger(wanted) || wanted <= 0 || wanted > refundable) {
    return { ok: false, reason: `order ${orderId} has ${refundable} (minor units) left to refund, not ${wanted}` };
  }
  return { ok: true, order, refundable };
}

/**
 * Records a refund the provider made, once per refund id (the refund command and the provider's
 * notification both report it), in one transaction under the contact's lock: the order's
 * refunded amount and status, the contact's purchase facts (money spent less; a fully refunded
 * order no longer counts), and the event `order_refunded`. Returns the order and whether this
 * call recorded the refund (false: it was recorded before).
 */
export async function recordRefund(
  prisma: PrismaClient,
  refund: { orderId: string; refundId: string; amount: number },
  now: Date,
): Promise<{ order: Order; recorded: boolean }> {
  const { orderId, refundId } = refund;
  return prisma.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM "Contact" WHERE id = (SELECT "contactId" FROM "Order" WHERE id = ${orderId}) FOR UPDATE`;
    const order = await tx.order.findUniqueOrThrow({ where: { id: orderId } });
    if (!(await recordReceipt(tx, `${order.provider}:refund:${refundId}`, "payment", now))) return { order, recorded: false };
    if (!locked || order.amount - order.refundedAmount < refund.amount)
      throw new Error(`order ${orderId} cannot take a refund of ${refund.amount} any more`);
    const amount = refund.amount;
    const refunded = order.refundedAmount + amount;
    const whole = refunded === order.amount;
    const updated = await tx.order.update({
      where: { id: orderId },
      data: { refundedAmount: refunded, status: whole ? "refunded" : "partially_refunded", updatedAt: now },
    });
    await tx.$executeRaw`
      UPDATE "Contact" SET "ordersCount" = GREATEST("ordersCount" - ${whole ? 1 : 0}, 0),
        "totalSpent" = jsonb_set("totalSpent", ARRAY[${order.currency}], to_jsonb(GREATEST(coalesce(("totalSpent" ->> ${order.currency})::bigint, 0) - ${amount}, 0)))
      WHERE id = ${order.contactId}::uuid`;
    const facts = { orderId, stepId: order.stepId, amount: order.amount, currency: order.currency, provider: order.provider };
    await writeEvent(
      tx,
      order.contactId,
      { type: "order_refunded", flowId: order.flowId, data: { ...facts, refund_id: refundId, refunded: amount, total_refunded: refunded } },
      now,
      order.conversationId,
    );
    return { order: updated, recorded: true };
  });
}
