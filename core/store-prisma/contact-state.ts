import type { ChannelAddress, TurnContext } from "../runtime/conversation-store.ts";
import { type Contact, type Conversation, Prisma } from "./generated/client.ts";
import { toContactView, toConversationState } from "./row-mappers.ts";
import type { SqlRunner } from "./sql-runner.ts";

/** A contact's rows and what the engine sees of them. */
export interface ContactState {
  context: TurnContext;
  conversations: Conversation[];
}

/** The contact's conversations (its row is read with its lock) and what the engine sees of both. */
export async function loadContactState(run: SqlRunner, contact: Contact): Promise<ContactState> {
  const conversations = await run<Conversation>(Prisma.sql`SELECT * FROM "Conversation" WHERE "contactId" = ${contact.id}::uuid`);
  return contactState(contact, conversations);
}

/** The conversations of the contact behind a channel address. */
export async function conversationsAt(run: SqlRunner, from: ChannelAddress): Promise<Conversation[]> {
  return run<Conversation>(Prisma.sql`
    SELECT v.* FROM "Conversation" v JOIN "ChannelIdentity" i ON i."contactId" = v."contactId"
    WHERE i.channel = ${from.channel} AND i."externalId" = ${from.externalId}`);
}

/** What the engine sees of a contact and its conversations. */
export function contactState(contact: Contact, conversations: Conversation[]): ContactState {
  const current = conversations.find((c) => c.id === contact.currentConversationId);
  const context: TurnContext = {
    contact: toContactView(contact),
    conversations: conversations.map(toConversationState),
    currentFlowId: current?.flowId ?? null,
  };
  return { context, conversations };
}
