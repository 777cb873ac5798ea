import type { SupportThreads, SupportThreadView } from "../runtime/support-threads.ts";
import type { PrismaClient } from "./generated/client.ts";

/** SupportThreads on the SupportThread table. */
export class PrismaSupportThreads implements SupportThreads {
  constructor(private readonly prisma: PrismaClient) {}

  async forContact(contactId: string): Promise<SupportThreadView | undefined> {
    const row = await this.prisma.supportThread.findUnique({ where: { contactId } });
    if (!row) return undefined;
    return {
      contactId,
      title: row.title,
      open: row.status === "open",
      chatId: row.chatId?.toString(),
      topicId: row.topicId ?? undefined,
      topicOpen: row.topicOpen,
      cardMessageId: row.cardMessageId ?? undefined,
    };
  }

  async topicMade(contactId: string, chatId: string, topicId: number): Promise<void> {
    // A new topic has no card yet: an edit then posts the card again.
    await this.prisma.supportThread.update({
      where: { contactId },
      data: { chatId: BigInt(chatId), topicId, topicOpen: true, cardMessageId: null },
    });
  }

  async topicState(contactId: string, open: boolean): Promise<void> {
    await this.prisma.supportThread.update({ where: { contactId }, data: { topicOpen: open } });
  }

  async cardPosted(contactId: string, messageId: number): Promise<void> {
    await this.prisma.supportThread.update({ where: { contactId }, data: { cardMessageId: messageId } });
  }
}
