import { performance } from "node:perf_hooks";
import type { FakeTelegramApi } from "../../test/fakes/fake-telegram-api.ts";

export interface ClosedLoopOptions {
  /** Where the bot under test takes Telegram's webhook requests. */
  webhookUrl: string;
  /** Sent in X-Telegram-Bot-Api-Secret-Token, as Telegram does. */
  secret: string;
  /** The Bot API both bots reply through: a turn ends when its reply arrives there. */
  telegram: FakeTelegramApi;
  /** The users each concurrent slot plays, one after another; all slots run at the same time. */
  slots: number[][];
  /** Messages each user sends, each one only after the reply to the previous one arrived. */
  turnsPerUser: number;
  text: string;
  /** The one reply every message must get: anything else means the turn did something else. */
  reply: string;
  /** A fresh update_id (unique over the whole run: the app stores them as idempotency keys). */
  nextUpdateId: () => number;
}

export interface ClosedLoopResult {
  turns: number;
  seconds: number;
  /** Per turn: from just before the webhook POST to the reply's arrival at the Bot API. */
  latenciesMs: number[];
}

/** A turn whose reply has not come by then has failed; it also bounds the whole run. */
const replyTimeoutMs = 30_000;

/**
 * Closed-loop load as Telegram would bring it: every slot is one user at a time who sends a
 * message to the webhook and sends the next one only once the bot's reply reached the Bot API
 * and the webhook request was answered. Throughput is turns over the wall time of all slots.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { telegram, reply } = options;
  const waiting = new Map<string, (at: number) => void>();
  const surprises: string[] = [];
  const stopListening = telegram.onCall((call) => {
    if (call.method !== "sendMessage") return;
    const chat = String(call.params.chat_id);
    const replied = waiting.get(chat);
    if (!replied || call.params.text !== reply) {
      surprises.push(`sendMessage to ${chat}: ${JSON.stringify(call.params.text)}`);
      return;
    }
    waiting.delete(chat);
    replied(performance.now());
  });

  const latenciesMs: number[] = [];
  const turn = async (userId: number) => {
    const chat = String(userId);
    const replied = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(chat);
        reject(new Error(`no reply to user ${userId} within ${replyTimeoutMs} ms`));
      }, replyTimeoutMs);
      waiting.set(chat, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
    const body = JSON.stringify({ update_id: options.nextUpdateId(), ...telegram.textMessage(userId, options.text) });
    const sentAt = performance.now();
    const post = async () => {
      const response = await fetch(options.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": options.secret },
        body,
        signal: AbortSignal.timeout(replyTimeoutMs),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${options.webhookUrl} answered ${response.status} to user ${userId}`);
    };
    const [repliedAt] = await Promise.all([replied, post()]);
    latenciesMs.push(repliedAt - sentAt);
  };

  const started = performance.now();
  try {
    await Promise.all(
      options.slots.map(async (users) => {
        for (const userId of users) for (let i = 0; i < options.turnsPerUser; i++) await turn(userId);
      }),
    );
  } finally {
    stopListening();
  }
  const seconds = (performance.now() - started) / 1000;
  if (surprises.length > 0) throw new Error(`unexpected replies (${surprises.length}), e.g. ${surprises.slice(0, 3).join("; ")}`);
  return { turns: latenciesMs.length, seconds, latenciesMs };
}
