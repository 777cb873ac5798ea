import { randomBytes } from "node:crypto";
import type { RequestReview, SaveSurveyAnswer } from "../engine/turn-effect.ts";
import type { Prisma } from "./generated/client.ts";
import type { ResolvedEffect, StoreEffectContext } from "./store-effect-context.ts";

/**
 * A survey asked, or a part of it answered, as the contact's SurveyResponse of that step visit:
 * the row is made when the question goes out, and each answer fills its column once (a second
 * press or a redelivered update changes nothing). Written at once, so that a card the turn posts
 * later shows it; in a conversation the turn begins, once its row exists.
 */
export async function saveSurveyAnswer(effect: SaveSurveyAnswer, context: StoreEffectContext): Promise<ResolvedEffect> {
  const { contactId, now, turn } = context;
  const conversationId = effect.flowId ? context.conversationIdOf(effect.flowId) : undefined;
  const state = turn.result.conversations.find((c) => c.flowId === effect.flowId);
  if (!conversationId || !effect.flowId) return { flowId: effect.flowId, events: [] };
  const a = effect.answer;
  const flowVersion = state?.flowVersion ?? turn.conversations.find((c) => c.id === conversationId)?.flowVersion ?? "";
  const answeredAt = a.part === "sent" ? null : now;
  const flowId = effect.flowId;
  const write = async (tx: Prisma.TransactionClient) => {
    await tx.$executeRaw`
      INSERT INTO "SurveyResponse" (id, "surveyId", scale, question, "contactId", "conversationId", "flowId", "flowVersion", "stepId", visit,
        channel, score, "scoreGroup", choice, comment, "sentAt", "answeredAt")
      VALUES (gen_random_uuid(), ${a.surveyId}, ${a.scale}, ${a.question}, ${contactId}::uuid, ${conversationId}::uuid, ${flowId},
        ${flowVersion}, ${a.stepId}, ${a.visit}, ${turn.from.channel}, ${a.score ?? null}, ${a.group ?? null}, ${a.choice ?? null},
        ${a.comment ?? null}, ${now}, ${answeredAt})
      ON CONFLICT ("conversationId", "stepId", visit) DO UPDATE SET
        score = coalesce("SurveyResponse".score, excluded.score),
        "scoreGroup" = coalesce("SurveyResponse"."scoreGroup", excluded."scoreGroup"),
        choice = coalesce("SurveyResponse".choice, excluded.choice),
        comment = coalesce("SurveyResponse".comment, excluded.comment),
        "answeredAt" = coalesce("SurveyResponse"."answeredAt", excluded."answeredAt")`;
  };
  if (turn.conversations.some((c) => c.id === conversationId)) await write(context.tx);
  else context.afterWrite.push(write);
  return { flowId: effect.flowId, events: [] };
}

/**
 * A review request: each link gets a short unguessable id, and its button opens /r/<id> on the
 * app (which counts the click and redirects). Without a public URL the buttons open the sites
 * directly: nothing is counted then, but nothing is broken either.
 */
export async function requestReview(effect: RequestReview, context: StoreEffectContext): Promise<ResolvedEffect> {
  const { tx, contactId, now, turn } = context;
  const base = turn.reviewLinkBase?.replace(/\/+$/, "");
  const conversationId = effect.flowId ? (context.conversationIdOf(effect.flowId) ?? null) : null;
  const buttons: Array<{ label: string; url: string }> = [];
  for (const link of effect.links) {
    if (!base) {
      buttons.push(link);
      continue;
    }
    const id = randomBytes(9).toString("base64url");
    await tx.$executeRaw`
      INSERT INTO "ReviewLink" (id, "contactId", "conversationId", "flowId", "surveyId", label, url, "createdAt")
      VALUES (${id}, ${contactId}::uuid, ${conversationId}::uuid, ${effect.flowId ?? ""}, ${effect.surveyId ?? null}, ${link.label},
        ${link.url}, ${now})`;
    buttons.push({ label: link.label, url: `${base}/r/${id}` });
  }
  return { flowId: effect.flowId, message: effect.compose(buttons), events: [] };
}
