/**
 * Diagnostic for the turn benchmark only: the production entry point with Telegram's send
 * pacing switched off, to show what a turn itself costs while the pacer still holds replies
 * behind the bot-wide 30 messages/s (bench/turns.bench.ts says when this row is worth keeping).
 * Everything else — webhook, store, outbox, Redis, BullMQ — is the app as shipped.
 */
import { RedisSendPacer } from "../../core/pacing-redis/redis-send-pacer.ts";

RedisSendPacer.prototype.acquire = async () => {};
await import("../../app/main.ts");
