import type { EngineResult } from "../engine/engine-types.ts";
import type { ChannelName } from "../model/channel-name.ts";
import type { ContactView } from "../model/contact-view.ts";
import { minorUnitsPer } from "../model/order.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import type { Contact, Prisma } from "./generated/client.ts";

type Tx = Prisma.TransactionClient;

/** Messages of the conversation the card shows. */
const transcriptLength = 20;
/** Telegram's limit for a message; the transcript is cut to fit under it. */
const maxCardLength = 4096;
/** Telegram's limit for a topic's name, less room for « · #123456». */
const maxTitleBase = 112;

const channelLabels: Record<string, string> = { telegram: "Telegram", vk: "VK", web: "Web" };

/** «Анна Смирнова · VK»: the start of the contact's topic name; the thread's number is added to it. */
export function topicTitle(contact: ContactView, channel: ChannelName): string {
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.username || contact.phone || "Клиент";
  return `${name.slice(0, maxTitleBase - 12)} · ${channelLabels[channel] ?? channel}`;
}

type TurnSoFar = Pick<EngineResult, "events" | "conversations" | "currentFlowId">;
const nothingYet: TurnSoFar = { events: [], conversations: [], currentFlowId: null };

/**
 * The customer's card for support staff, from what the database knows: who they are and where
 * to find them, what they bought, where they are in the flows, why a person was asked for, and
 * the conversation so far as a readable transcript. `turn` is what the turn being written
 * decided: its conversations and messages are not in the database yet (none when it is written).
 * `facts` are the lines above the transcript: when they change the card is edited in place.
 */
export async function supportCard(
  tx: Tx,
  contactId: string,
  reason: string | undefined,
  turn: TurnSoFar = nothingYet,
): Promise<{ message: OutboundMessage; facts: string }> {
  const [facts, logged] = await Promise.all([
    cardFacts(tx, contactId, reason, turn),
    tx.$queryRaw<Array<{ type: string; data: Record<string, unknown>; createdAt: Date }>>`
      SELECT type, data, "createdAt" FROM "Event" WHERE "contactId" = ${contactId}::uuid
        AND type IN ('message_in', 'message_out', 'staff_message') ORDER BY id DESC LIMIT ${transcriptLength}`,
  ]);
  if (facts === undefined) return { message: { text: "Клиент не найден.", format: "plain" }, facts: "" };
  const transcript = [
    ...logged.reverse().map((e) => transcriptLine(e.type, e.data, e.createdAt)),
    ...turn.events
      .filter((e) => e.type === "message_in" || e.type === "message_out")
      .map((e) => transcriptLine(e.type, e.data as Record<string, unknown>, undefined)),
  ].slice(-transcriptLength);
  const title = "\n\nПоследние сообщения (время UTC):\n";
  // The newest messages matter most: the oldest lines go first when the card is too long.
  while (transcript.length > 0 && facts.length + title.length + transcript.join("\n").length > maxCardLength) transcript.shift();
  return { message: { text: transcript.length ? `${facts}${title}${transcript.join("\n")}` : facts, format: "plain" }, facts };
}

/**
 * The card's lines above the transcript (undefined for a contact that is gone): all a turn
 * needs to tell whether the card must be edited, without reading the conversation's messages.
 */
export async function cardFacts(
  tx: Tx,
  contactId: string,
  reason: string | undefined,
  turn: TurnSoFar = nothingYet,
): Promise<string | undefined> {
  const [contact] = await tx.$queryRaw<Contact[]>`SELECT * FROM "Contact" WHERE id = ${contactId}::uuid`;
  if (!contact) return undefined;
  const [identities, conversations, orders, thread, surveys] = await Promise.all([
    tx.$queryRaw<Array<{ channel: string; externalId: string; blockedAt: Date | null }>>`
      SELECT channel, "externalId", "blockedAt" FROM "ChannelIdentity" WHERE "contactId" = ${contactId}::uuid ORDER BY "lastSeenAt" DESC`,
    tx.$queryRaw<Array<{ flowId: string; stepId: string | null; stage: string | null; status: string; id: string }>>`
      SELECT id, "flowId", "stepId", stage, status FROM "Conversation" WHERE "contactId" = ${contactId}::uuid`,
    tx.$queryRaw<Array<{ title: string; amount: number; currency: string; status: string; createdAt: Date }>>`
      SELECT title, amount, currency, status, "createdAt" FROM "Order" WHERE "contactId" = ${contactId}::uuid ORDER BY "createdAt" DESC LIMIT 5`,
    tx.$queryRaw<Array<{ number: number; reason: string; title: string }>>`
      SELECT number, reason, title FROM "SupportThread" WHERE "contactId" = ${contactId}::uuid`,
    tx.$queryRaw<Array<{ surveyId: string; scale: string; score: number; comment: string | null }>>`
      SELECT "surveyId", scale, score, comment FROM "SurveyResponse" WHERE "contactId" = ${contactId}::uuid AND score IS NOT NULL
      ORDER BY "answeredAt" DESC LIMIT 1`,
  ]);
  const stored = conversations.find((c) => c.id === contact.currentConversationId);
  const currentFlowId = turn.currentFlowId ?? stored?.flowId;
  const current = turn.conversations.find((c) => c.flowId === currentFlowId) ?? conversations.find((c) => c.flowId === currentFlowId);
  const name = [contact.firstName, contact.lastName].filter(Boolean).join(" ") || contact.username || "—";
  const lines = [
    `🙋 ${thread[0]?.title ?? name}`,
    `Причина: ${reason ?? thread[0]?.reason ?? "—"}`,
    ...identities.map(
      (i) =>
        `${channelLabels[i.channel] ?? i.channel}: ${profileLink(i.channel, i.externalId, contact.username)}${i.blockedAt ? " (заблокировал бота)" : ""}`,
    ),
    `Телефон: ${contact.phone ?? "—"} · Email: ${contact.email ?? "—"}`,
    `Метки: ${contact.tags.length ? contact.tags.join(", ") : "—"}`,
    `Этап: ${current?.stage ?? "—"}`,
    `Источник: первый ${contact.firstSource ?? "—"}, последний ${contact.lastSource ?? "—"}`,
    `Сценарий: ${current ? `${current.flowId}, шаг ${current.stepId ?? "—"} (${current.status})` : "—"}`,
    `Согласие: ${contact.consentVersion ? `дано ${contact.consentAt?.toISOString().slice(0, 10)}, версия ${contact.consentVersion}` : "нет"}${contact.optedOut ? " · отписан (/stop)" : ""}`,
    `Заказы: ${orders.length ? orders.map((o) => `${o.title} — ${money(o.amount, o.currency)}, ${o.status}`).join("; ") : "нет"}`,
    ...surveys.map((r) => `Опрос: ${r.surveyId} — ${r.score} (${r.scale})${r.comment ? `, «${r.comment.slice(0, 300)}»` : ""}`),
  ];
  return lines.join("\n");
}

function profileLink(channel: string, externalId: string, username: string | null): string {
  if (channel === "telegram") return username ? `https://t.me/${username}` : `tg://user?id=${externalId}`;
  if (channel === "vk") return `https://vk.com/id${externalId}`;
  return `сессия ${externalId.slice(0, 8)}`;
}

function money(amount: number, currency: string): string {
  return `${(amount / minorUnitsPer(currency)).toLocaleString("ru-RU")} ${currency}`;
}

function transcriptLine(type: string, data: Record<string, unknown>, at: Date | undefined): string {
  const who = type === "message_in" ? "Клиент" : type === "staff_message" ? `Менеджер ${String(data.staffName ?? "")}`.trim() : "Бот";
  const text =
    typeof data.text === "string" && data.text
      ? data.text
      : typeof data.payload === "string"
        ? `[кнопка ${data.label ?? data.payload}]`
        : `[${String(data.type ?? type)}]`;
  const time = at ? `${at.toISOString().slice(11, 16)} ` : "";
  return `${time}${who}: ${text.replace(/\s+/g, " ").slice(0, 300)}`;
}
