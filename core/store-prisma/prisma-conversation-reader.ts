import { parseEvent } from "../events/event-catalog.ts";
import { storedMessageSchema } from "../model/stored-message.ts";
import type { ConversationReader, ConversationSnapshot, TranscriptEntry } from "../runtime/conversation-reader.ts";
import type { ChannelAddress } from "../runtime/conversation-store.ts";
import type { PrismaClient } from "./generated/client.ts";

/** Transcript and state of one channel address, read from the event log and the outbox. */
export class PrismaConversationReader implements ConversationReader {
  constructor(private readonly prisma: PrismaClient) {}

  async transcript(address: ChannelAddress, limit = 200): Promise<TranscriptEntry[]> {
    const contactId = await this.contactIdOf(address);
    if (!contactId) return [];
    const [inbound, outbound] = await Promise.all([
      this.prisma.event.findMany({ where: { contactId, type: "message_in" }, orderBy: { id: "desc" }, take: limit }),
      this.prisma.outboxMessage.findMany({
        where: { contactId, channel: address.channel, externalId: address.externalId, status: { not: "failed" } },
        orderBy: { id: "desc" },
        take: limit,
      }),
    ]);
    const entries: Array<TranscriptEntry & { order: bigint }> = [];
    for (const row of inbound) {
      const event = parseEvent(row);
      if (event?.type !== "message_in") continue;
      const text = event.data.text ?? event.data.label;
      if (!text || event.data.channel !== address.channel) continue;
      entries.push({ id: `in-${event.data.key}`, direction: "in", text, createdAt: row.createdAt, order: row.id * 2n });
    }
    for (const row of outbound) {
      const parsed = storedMessageSchema.safeParse(row.payload);
      if (!parsed.success) continue;
      const message = parsed.data;
      entries.push({
        id: `out-${row.id}`,
        direction: "out",
        text: message.text,
        ...(message.buttons ? { buttons: message.buttons } : {}),
        ...(message.file ? { file: message.file } : {}),
        createdAt: row.createdAt,
        order: row.id * 2n + 1n,
      });
    }
    // A turn writes its inbound event and its replies in one transaction (same timestamp):
    // the inbound message goes first.
    entries.sort(
      (a, b) =>
        a.createdAt.getTime() - b.createdAt.getTime() ||
        (a.direction === b.direction ? Number(a.order - b.order) : a.direction === "in" ? -1 : 1),
    );
    return entries.slice(-limit).map(({ order: _order, ...entry }) => entry);
  }

  async snapshot(address: ChannelAddress): Promise<ConversationSnapshot> {
    const contactId = await this.contactIdOf(address);
    const contact = contactId ? await this.prisma.contact.findUnique({ where: { id: contactId } }) : null;
    if (!contact) return { flowId: null };
    const conversation = contact.currentConversationId
      ? await this.prisma.conversation.findUnique({ where: { id: contact.currentConversationId } })
      : null;
    const builtins = {
      first_name: contact.firstName,
      last_name: contact.lastName,
      username: contact.username,
      phone: contact.phone,
      email: contact.email,
      first_source: contact.firstSource,
      last_source: contact.lastSource,
    };
    return {
      flowId: conversation?.flowId ?? null,
      stepId: conversation?.stepId ?? null,
      stage: conversation?.stage ?? null,
      tags: contact.tags,
      fields: { ...Object.fromEntries(Object.entries(builtins).filter(([, v]) => v !== null)), ...(contact.fields as object) },
      vars: ((conversation?.state as { vars?: Record<string, unknown> } | null)?.vars ?? {}) as Record<string, unknown>,
    };
  }

  private async contactIdOf(address: ChannelAddress): Promise<string | undefined> {
    const identity = await this.prisma.channelIdentity.findUnique({
      where: { channel_externalId: { channel: address.channel, externalId: address.externalId } },
    });
    return identity?.contactId;
  }
}
