import { Bot } from "grammy";
import { loadConfig } from "../app/config.ts";
import { paymentProviders } from "../app/payment-providers.ts";
import { orderStatuses, toMinorUnits } from "../core/model/order.ts";
import { checkRefund, recordRefund } from "../core/store-prisma/record-refund.ts";
import { openAppDatabase } from "./app-database.ts";
import type { CliOutput } from "./cli-output.ts";

export interface OrdersOptions {
  status?: string | undefined;
  flow?: string | undefined;
  /** An ISO date or date-time: orders made since then. */
  since?: string | undefined;
  limit?: string | undefined;
}

/** `orkestr orders`: the latest orders, newest first, with amount, status and provider. */
export async function ordersCommand(options: OrdersOptions, out: CliOutput): Promise<number> {
  if (options.status && !(orderStatuses as readonly string[]).includes(options.status)) {
    out.error(`--status must be one of: ${orderStatuses.join(", ")}`);
    return 1;
  }
  const since = options.since ? new Date(options.since) : undefined;
  if (since && Number.isNaN(since.getTime())) {
    out.error(`--since "${options.since}" is no date (e.g. 2026-12-01 or 2026-12-01T10:00Z)`);
    return 1;
  }
  const limit = Number(options.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) {
    out.error("--limit must be a positive whole number");
    return 1;
  }
  const database = await openAppDatabase(out);
  if (!database) return 1;
  try {
    const orders = await database.prisma.order.findMany({
      where: {
        ...(options.status ? { status: options.status } : {}),
        ...(options.flow ? { flowId: options.flow } : {}),
        ...(since ? { createdAt: { gte: since } } : {}),
      },
      orderBy: { createdAt: "desc" },
      take: limit,
      include: { contact: { select: { firstName: true, email: true, phone: true } } },
    });
    if (orders.length === 0) {
      out.log("No orders match.");
      return 0;
    }
    for (const order of orders) {
      const amount = `${(order.amount / (order.currency === "XTR" ? 1 : 100)).toFixed(order.currency === "XTR" ? 0 : 2)} ${order.currency}`;
      const who = order.contact.email ?? order.contact.phone ?? order.contact.firstName ?? order.contactId;
      const refunded = order.refundedAmount > 0 ? ` (refunded ${order.refundedAmount})` : "";
      out.log(
        `${order.id}  ${order.createdAt.toISOString().slice(0, 16).replace("T", " ")}  ${order.status.padEnd(18)}  ${amount.padStart(12)}${refunded}  ${order.provider.padEnd(8)}  ${order.flowId}/${order.stepId}  ${who}`,
      );
    }
    return 0;
  } finally {
    await database.close();
  }
}

/**
 * `orkestr orders refund <id> [amount]`: gives money back through the order's provider (all that
 * is left when no amount is given; in rubles, or Stars) and records it: the order's status, the
 * contact's purchase facts, the event. A refund the provider made but that was not recorded
 * (the database away) is recorded by running the same command again: the idempotence key is the
 * same, so the provider does not refund twice.
 */
export async function refundCommand(orderId: string, amountText: string | undefined, out: CliOutput): Promise<number> {
  const config = loadConfig(process.env);
  const database = await openAppDatabase(out);
  if (!database) return 1;
  try {
    const order = await database.prisma.order.findUnique({ where: { id: orderId } });
    const amount = amountText === undefined || !order ? undefined : toMinorUnits(amountText, order.currency);
    if (amountText !== undefined && amount === undefined) {
      out.error(`"${amountText}" is no amount (e.g. 1000 or 1000.50)`);
      return 1;
    }
    const check = await checkRefund(database.prisma, orderId, amount);
    if (!check.ok) {
      out.error(check.reason);
      return 1;
    }
    const refund = amount ?? check.refundable;
    const telegramApi = config.TELEGRAM_BOT_TOKEN
      ? new Bot(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT ? { client: { apiRoot: config.TELEGRAM_API_ROOT } } : {}).api
      : undefined;
    const provider = paymentProviders(config, telegramApi, () => config.PUBLIC_URL ?? "").payments.byName(check.order.provider);
    if (!provider?.refund) {
      out.error(`the ${check.order.provider} provider is not configured here, or cannot refund from Orkestr`);
      return 1;
    }
    if (check.order.provider === "stars" && refund !== check.refundable) {
      out.error("Telegram Stars are refunded whole: leave the amount out");
      return 1;
    }
    const identity = await database.prisma.channelIdentity.findFirst({ where: { contactId: check.order.contactId, channel: "telegram" } });
    const made = await provider.refund({
      providerPaymentId: check.order.providerPaymentId ?? "",
      amount: refund,
      currency: check.order.currency,
      idempotenceKey: `refund-${orderId}-${check.order.refundedAmount}-${refund}`.slice(0, 64),
      ...(identity ? { customerId: identity.externalId } : {}),
    });
    if (made.status === "canceled") {
      out.error(`the ${check.order.provider} provider refused refund ${made.refundId}: nothing was given back`);
      return 1;
    }
    const { order: updated } = await recordRefund(database.prisma, { orderId, refundId: made.refundId, amount: made.amount }, new Date());
    const pending = made.status === "pending" ? `; the provider is still sending the money (refund ${made.refundId})` : "";
    out.log(
      `${orderId}: refunded ${made.amount} (minor units) of ${updated.amount} ${updated.currency}; the order is ${updated.status}${pending}`,
    );
    return 0;
  } catch (error) {
    out.error(`refund failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await database.close();
  }
}
